package booking_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
	"steward.dev/services/booking/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// school is one school's directory fixtures as its admin made them.
type school struct {
	t                        *testing.T
	env                      *servertest.Env
	c                        bookingv1.DirectoryServiceClient
	id                       uuid.UUID
	name                     string
	admin                    context.Context //nolint:containedctx // the fixture's authority
	piano, violin            *bookingv1.Instrument
	familyA, familyB         *bookingv1.Family
	studentA1, studentA2, b1 *bookingv1.Student
}

func newSchool(t *testing.T, env *servertest.Env, c bookingv1.DirectoryServiceClient) *school {
	t.Helper()
	s := &school{t: t, env: env, c: c, id: env.Tenant(t, "school")}
	s.name = "tenants/" + s.id.String()
	s.admin = s.as(env.User(t, s.id, "admin"))
	s.piano = must(c.CreateInstrument(s.admin, &bookingv1.CreateInstrumentRequest{Parent: s.name,
		Instrument: &bookingv1.Instrument{DisplayName: "Piano", Kind: bookingv1.Instrument_KIND_KEYBOARD}}))(t)
	s.violin = must(c.CreateInstrument(s.admin, &bookingv1.CreateInstrumentRequest{Parent: s.name,
		Instrument: &bookingv1.Instrument{DisplayName: "Violin", Kind: bookingv1.Instrument_KIND_STRINGS}}))(t)
	s.familyA = s.family("The Garcia family")
	s.familyB = s.family("The Novak family")
	s.studentA1 = s.student(s.familyA, "Maya", bookingv1.Student_LEVEL_ADVANCED, s.piano)
	s.studentA2 = s.student(s.familyA, "Leo", bookingv1.Student_LEVEL_BEGINNER, s.violin)
	s.b1 = s.student(s.familyB, "Ava", bookingv1.Student_LEVEL_ADVANCED, s.piano)
	return s
}

func (s *school) as(u servertest.User) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s.t.Cleanup(cancel)
	return s.env.As(ctx, s.t, u)
}

func (s *school) family(name string) *bookingv1.Family {
	return must(s.c.CreateFamily(s.admin, &bookingv1.CreateFamilyRequest{Parent: s.name, Family: &bookingv1.Family{
		DisplayName: name, BillingContact: &bookingv1.BillingContact{DisplayName: "Maria Garcia", Email: "maria@family.example"},
		Address: &bookingv1.MailingAddress{Lines: []string{"12 Magnolia Ave"}, Locality: "Riverside", PostalCode: "92501", RegionCode: "US"},
	}}))(s.t)
}

func (s *school) student(f *bookingv1.Family, given string, level bookingv1.Student_Level, plays ...*bookingv1.Instrument) *bookingv1.Student {
	var names []string
	for _, in := range plays {
		names = append(names, in.GetName())
	}
	return must(s.c.CreateStudent(s.admin, &bookingv1.CreateStudentRequest{Parent: f.GetName(), Student: &bookingv1.Student{
		GivenName: given, FamilyName: "Garcia", BirthYear: 2014, Level: level, Instruments: names}}))(s.t)
}

// idOf is the last id of a resource name.
func idOf(name string) uuid.UUID { return uuid.MustParse(name[len(name)-36:]) }

// must returns v, failing the test making a fixture on err.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("making a fixture: %v", err)
		}
		return v
	}
}

func setup(t *testing.T) (*servertest.Env, bookingv1.DirectoryServiceClient) {
	t.Helper()
	env := servertest.New(t)
	return env, bookingv1.NewDirectoryServiceClient(env.Serve(t, booking.Services))
}

func code(err error) codes.Code { return status.Code(err) }

func names[M interface{ GetName() string }](ms []M) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.GetName()
	}
	slices.Sort(out)
	return out
}

func sorted(ns ...string) []string { slices.Sort(ns); return ns }

// TestDirectoryStandardMethods: every resource has the standard methods with
// what Assets' have: idempotent creates, filters, pages, masks, etags, and the
// directory's own reasons.
// TestStudentRequestIDIsTheTenants: a student's request_id is unique in the
// tenant, so reused under another family it is refused, not lost.
func TestStudentRequestIDIsTheTenants(t *testing.T) {
	t.Parallel()
	env, c := setup(t)
	s := newSchool(t, env, c)
	rid := uuid.NewString()
	first, second := s.family("The Reuse family"), s.family("The Other family")
	must(c.CreateStudent(s.admin, &bookingv1.CreateStudentRequest{Parent: first.GetName(), RequestId: rid, Student: &bookingv1.Student{GivenName: "Ada"}}))(t)
	_, err := c.CreateStudent(s.admin, &bookingv1.CreateStudentRequest{Parent: second.GetName(), RequestId: rid, Student: &bookingv1.Student{GivenName: "Ada"}})
	if apierror.ReasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("student request_id reused under another family: %v, want REQUEST_ID_REUSED", err)
	}
}

func TestDirectoryStandardMethods(t *testing.T) {
	t.Parallel()
	env, c := setup(t)
	s := newSchool(t, env, c)
	ctx := s.admin

	// Settings: the defaults until changed, then an etag-guarded update.
	set := must(c.GetSchoolSettings(ctx, &bookingv1.GetSchoolSettingsRequest{Name: s.name + "/settings"}))(t)
	if set.GetTimeZone() != "UTC" || set.GetCurrencyCode() != "USD" || set.GetRescheduleNoticeHours() != 24 {
		t.Fatalf("default settings = %v", set)
	}
	upd := must(c.UpdateSchoolSettings(ctx, &bookingv1.UpdateSchoolSettingsRequest{
		Settings:   &bookingv1.SchoolSettings{Name: set.GetName(), TimeZone: "America/Los_Angeles", RescheduleNoticeHours: 48, Etag: set.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone", "reschedule_notice_hours"}},
	}))(t)
	if upd.GetTimeZone() != "America/Los_Angeles" || upd.GetCurrencyCode() != "USD" || upd.GetRescheduleNoticeHours() != 48 || upd.GetEtag() == set.GetEtag() {
		t.Fatalf("updated settings = %v", upd)
	}
	_, err := c.UpdateSchoolSettings(ctx, &bookingv1.UpdateSchoolSettingsRequest{Settings: &bookingv1.SchoolSettings{Name: set.GetName(), CurrencyCode: "EUR", Etag: set.GetEtag()}})
	if apierror.ReasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("stale settings etag: %v", err)
	}
	_, err = c.UpdateSchoolSettings(ctx, &bookingv1.UpdateSchoolSettingsRequest{Settings: &bookingv1.SchoolSettings{Name: set.GetName(), TimeZone: "Mars/Olympus"}})
	if !slices.Equal(apierror.ViolatedFields(err), []string{"settings.time_zone"}) {
		t.Errorf("bad time zone: %v", err)
	}

	// Rooms: request_id makes a create retryable, and a reuse is refused.
	rid := uuid.NewString()
	req := &bookingv1.CreateRoomRequest{Parent: s.name, RequestId: rid, Room: &bookingv1.Room{DisplayName: "Studio A", Capacity: 2}}
	room := must(c.CreateRoom(ctx, req))(t)
	if again := must(c.CreateRoom(ctx, req))(t); again.GetName() != room.GetName() {
		t.Errorf("retry made %s, first %s", again.GetName(), room.GetName())
	}
	_, err = c.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: s.name, RequestId: rid, Room: &bookingv1.Room{DisplayName: "Studio B", Capacity: 2}})
	if apierror.ReasonOf(err) != apierror.ReasonRequestIDReused {
		t.Errorf("reused request_id: %v", err)
	}
	if _, err = c.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio A", Capacity: 3}}); code(err) != codes.AlreadyExists {
		t.Errorf("second Studio A: %v", err)
	}
	hall := must(c.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Recital Hall", Capacity: 60}}))(t)
	big := must(c.ListRooms(ctx, &bookingv1.ListRoomsRequest{Parent: s.name, Filter: "capacity >= 10"}))(t)
	if got := names(big.GetRooms()); !slices.Equal(got, []string{hall.GetName()}) {
		t.Errorf("rooms with capacity >= 10 = %v", got)
	}
	renamed := must(c.UpdateRoom(ctx, &bookingv1.UpdateRoomRequest{Room: &bookingv1.Room{Name: room.GetName(), DisplayName: "Studio 1", Etag: room.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"displayName"}}}))(t)
	if renamed.GetDisplayName() != "Studio 1" || renamed.GetCapacity() != 2 {
		t.Errorf("renamed room = %v", renamed)
	}
	if _, err = c.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: room.GetName(), Etag: room.GetEtag()}); apierror.ReasonOf(err) != apierror.ReasonEtagMismatch {
		t.Errorf("delete at a stale etag: %v", err)
	}
	must(c.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: room.GetName(), Etag: renamed.GetEtag()}))(t)
	if _, err = c.GetRoom(ctx, &bookingv1.GetRoomRequest{Name: room.GetName()}); code(err) != codes.NotFound {
		t.Errorf("deleted room: %v", err)
	}

	// Teachers: a member of the school, filtered by what they teach.
	teacherUser := env.User(t, s.id, "teacher")
	member := s.name + "/members/" + teacherUser.ID.String()
	teacher := must(c.CreateTeacher(ctx, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: member, DisplayName: "Elena Vasquez", Instruments: []string{s.piano.GetName()}, CalendarColor: "#2563eb"}}))(t)
	if teacher.GetMember() != member || !slices.Equal(teacher.GetInstruments(), []string{s.piano.GetName()}) {
		t.Errorf("teacher = %v", teacher)
	}
	if _, err = c.CreateTeacher(ctx, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{Member: member, DisplayName: "Again"}}); code(err) != codes.AlreadyExists {
		t.Errorf("a member twice a teacher: %v", err)
	}
	other := newSchool(t, env, c)
	_, err = c.CreateTeacher(ctx, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + uuid.NewString(), DisplayName: "Marcus", Instruments: []string{other.piano.GetName()}}})
	if !slices.Equal(apierror.ViolatedFields(err), []string{"teacher.instruments[0]"}) {
		t.Errorf("another school's instrument: %v", err)
	}
	for filter, want := range map[string][]string{
		`instrument = "` + s.piano.GetName() + `"`:  {teacher.GetName()},
		`instrument = "` + s.violin.GetName() + `"`: {},
	} {
		got := must(c.ListTeachers(ctx, &bookingv1.ListTeachersRequest{Parent: s.name, Filter: filter}))(t)
		if !slices.Equal(names(got.GetTeachers()), want) {
			t.Errorf("teachers %s = %v, want %v", filter, names(got.GetTeachers()), want)
		}
	}
	_, err = c.UpdateTeacher(ctx, &bookingv1.UpdateTeacherRequest{Teacher: &bookingv1.Teacher{Name: teacher.GetName(), Member: s.name + "/members/" + uuid.NewString()}})
	if !slices.Equal(apierror.ViolatedFields(err), []string{"teacher.member"}) {
		t.Errorf("changing a teacher's member: %v", err)
	}
	echo := must(c.UpdateTeacher(ctx, &bookingv1.UpdateTeacherRequest{Teacher: teacher}))(t) // sent back as read
	if echo.GetMember() != member || echo.GetEtag() == teacher.GetEtag() {
		t.Errorf("teacher updated as read = %v", echo)
	}

	// Students: by instrument and level, across families, page by page.
	for filter, want := range map[string][]string{
		`instrument = "` + s.piano.GetName() + `"`: sorted(s.studentA1.GetName(), s.b1.GetName()),
		`level = ADVANCED`:                         sorted(s.studentA1.GetName(), s.b1.GetName()),
		`level != ADVANCED`:                        {s.studentA2.GetName()},
		`instrument = "` + s.piano.GetName() + `" AND level = BEGINNER`: {},
	} {
		got := must(c.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: s.name + "/families/-", Filter: filter}))(t)
		if !slices.Equal(names(got.GetStudents()), want) {
			t.Errorf("students %s = %v, want %v", filter, names(got.GetStudents()), want)
		}
	}
	var paged []string
	for token := ""; ; {
		page := must(c.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: s.name + "/families/-", PageSize: 1, PageToken: token}))(t)
		paged = append(paged, names(page.GetStudents())...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if slices.Sort(paged); !slices.Equal(paged, sorted(s.studentA1.GetName(), s.studentA2.GetName(), s.b1.GetName())) {
		t.Errorf("paged students = %v", paged)
	}
	if _, err = c.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: s.name + "/families/-", Filter: `level = EXPERT`}); !slices.Equal(apierror.ViolatedFields(err), []string{"filter"}) {
		t.Errorf("unknown level: %v", err)
	}

	// A family's address changes in part; a family with students stays.
	fam := must(c.UpdateFamily(ctx, &bookingv1.UpdateFamilyRequest{
		Family:     &bookingv1.Family{Name: s.familyA.GetName(), Address: &bookingv1.MailingAddress{Locality: "Corona"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"address.locality"}},
	}))(t)
	if a := fam.GetAddress(); a.GetLocality() != "Corona" || a.GetPostalCode() != "92501" || !slices.Equal(a.GetLines(), []string{"12 Magnolia Ave"}) {
		t.Errorf("address after a partial update = %v", a)
	}
	if _, err = c.DeleteFamily(ctx, &bookingv1.DeleteFamilyRequest{Name: s.familyA.GetName()}); apierror.ReasonOf(err) != "FAMILY_NOT_EMPTY" {
		t.Errorf("deleting a family with students: %v", err)
	}
	if _, err = c.DeleteInstrument(ctx, &bookingv1.DeleteInstrumentRequest{Name: s.piano.GetName()}); apierror.ReasonOf(err) != "INSTRUMENT_IN_USE" {
		t.Errorf("deleting an instrument in use: %v", err)
	}
	st := must(c.UpdateStudent(ctx, &bookingv1.UpdateStudentRequest{Student: &bookingv1.Student{Name: s.studentA2.GetName(), Instruments: []string{}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"instruments"}}}))(t)
	if len(st.GetInstruments()) != 0 || st.GetGivenName() != "Leo" {
		t.Errorf("student without instruments = %v", st)
	}
	must(c.DeleteInstrument(ctx, &bookingv1.DeleteInstrumentRequest{Name: s.violin.GetName()}))(t)
	for _, st := range []*bookingv1.Student{s.studentA1, s.studentA2} {
		must(c.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: st.GetName()}))(t)
	}
	must(c.DeleteFamily(ctx, &bookingv1.DeleteFamilyRequest{Name: s.familyA.GetName()}))(t)
	if _, err = c.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: s.familyA.GetName()}); code(err) != codes.NotFound {
		t.Errorf("students of a deleted family: %v", err)
	}
}

// TestDirectoryVisibility: ADMIN and TEACHER see the whole directory; a
// PARENT reads and edits only the family on their membership; a STUDENT
// reads only themselves; another family, another school and a household get
// NOT_FOUND, exactly as for what does not exist.
func TestDirectoryVisibility(t *testing.T) {
	t.Parallel()
	env, c := setup(t)
	s := newSchool(t, env, c)
	fa, fb := idOf(s.familyA.GetName()), idOf(s.familyB.GetName())
	parentA := s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: fa}))
	studentA1 := s.as(env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(s.studentA1.GetName())}))
	teacher := s.as(env.User(t, s.id, "teacher"))
	unlinked := s.as(env.User(t, s.id, "parent")) // a PARENT whose membership names no family
	household := env.Tenant(t, "household")
	owner := s.as(env.User(t, household, "owner"))
	otherAdmin := s.as(env.User(t, env.Tenant(t, "school"), "admin"))
	everyone := sorted(s.studentA1.GetName(), s.studentA2.GetName(), s.b1.GetName())

	listStudents := func(ctx context.Context, parent string) ([]string, error) {
		resp, err := c.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: parent})
		return names(resp.GetStudents()), err
	}
	listFamilies := func(ctx context.Context) ([]string, error) {
		resp, err := c.ListFamilies(ctx, &bookingv1.ListFamiliesRequest{Parent: s.name})
		return names(resp.GetFamilies()), err
	}
	for _, tc := range []struct {
		who                string
		ctx                context.Context //nolint:containedctx // a table of callers
		families, students []string
	}{
		{"ADMIN", s.admin, sorted(s.familyA.GetName(), s.familyB.GetName()), everyone},
		{"TEACHER", teacher, sorted(s.familyA.GetName(), s.familyB.GetName()), everyone},
		{"the family's PARENT", parentA, []string{s.familyA.GetName()}, sorted(s.studentA1.GetName(), s.studentA2.GetName())},
		{"a PARENT with no family", unlinked, []string{}, []string{}},
		{"STUDENT", studentA1, []string{}, []string{s.studentA1.GetName()}},
	} {
		if got, err := listFamilies(tc.ctx); err != nil || !slices.Equal(got, tc.families) {
			t.Errorf("%s lists families %v, %v; want %v", tc.who, got, err, tc.families)
		}
		if got, err := listStudents(tc.ctx, s.name+"/families/-"); err != nil || !slices.Equal(got, tc.students) {
			t.Errorf("%s lists students %v, %v; want %v", tc.who, got, err, tc.students)
		}
	}

	nf := func(who, what string, err error) {
		t.Helper()
		if code(err) != codes.NotFound {
			t.Errorf("%s %s: %v; want NOT_FOUND", who, what, err)
		}
	}
	// The family's PARENT: their own family reads and edits, the other is not there.
	must(c.GetFamily(parentA, &bookingv1.GetFamilyRequest{Name: s.familyA.GetName()}))(t)
	must(c.UpdateFamily(parentA, &bookingv1.UpdateFamilyRequest{Family: &bookingv1.Family{Name: s.familyA.GetName(),
		BillingContact: &bookingv1.BillingContact{DisplayName: "Maria Garcia", Phone: "+19515550100"}}}))(t)
	added := must(c.CreateStudent(parentA, &bookingv1.CreateStudentRequest{Parent: s.familyA.GetName(), Student: &bookingv1.Student{GivenName: "Isla"}}))(t)
	must(c.UpdateStudent(parentA, &bookingv1.UpdateStudentRequest{Student: &bookingv1.Student{Name: added.GetName(), Level: bookingv1.Student_LEVEL_INTERMEDIATE}}))(t)
	_, err := c.GetFamily(parentA, &bookingv1.GetFamilyRequest{Name: s.familyB.GetName()})
	nf("the other family's PARENT", "reads family B", err)
	_, err = c.UpdateFamily(parentA, &bookingv1.UpdateFamilyRequest{Family: &bookingv1.Family{Name: s.familyB.GetName(), DisplayName: "Mine now"}})
	nf("the other family's PARENT", "updates family B", err)
	_, err = c.GetStudent(parentA, &bookingv1.GetStudentRequest{Name: s.b1.GetName()})
	nf("the other family's PARENT", "reads B's student", err)
	_, err = c.UpdateStudent(parentA, &bookingv1.UpdateStudentRequest{Student: &bookingv1.Student{Name: s.b1.GetName(), GivenName: "X"}})
	nf("the other family's PARENT", "updates B's student", err)
	_, err = c.CreateStudent(parentA, &bookingv1.CreateStudentRequest{Parent: s.familyB.GetName(), Student: &bookingv1.Student{GivenName: "Cuckoo"}})
	nf("the other family's PARENT", "adds to family B", err)
	_, err = listStudents(parentA, s.familyB.GetName())
	nf("the other family's PARENT", "lists B's students", err)
	// A PARENT edits, never deletes; nor manages the school.
	if _, err = c.DeleteStudent(parentA, &bookingv1.DeleteStudentRequest{Name: added.GetName()}); code(err) != codes.PermissionDenied {
		t.Errorf("PARENT deletes a student: %v", err)
	}
	if _, err = c.ListRooms(parentA, &bookingv1.ListRoomsRequest{Parent: s.name}); code(err) != codes.PermissionDenied {
		t.Errorf("PARENT lists rooms: %v", err)
	}

	// The STUDENT: themselves only, not their sibling nor their family.
	must(c.GetStudent(studentA1, &bookingv1.GetStudentRequest{Name: s.studentA1.GetName()}))(t)
	_, err = c.GetStudent(studentA1, &bookingv1.GetStudentRequest{Name: s.studentA2.GetName()})
	nf("STUDENT", "reads their sibling", err)
	_, err = c.GetFamily(studentA1, &bookingv1.GetFamilyRequest{Name: s.familyA.GetName()})
	nf("STUDENT", "reads their family", err)
	if got, err := listStudents(studentA1, s.familyA.GetName()); err != nil || !slices.Equal(got, []string{s.studentA1.GetName()}) {
		t.Errorf("STUDENT lists their family's students: %v, %v", got, err)
	}
	_, err = listStudents(studentA1, s.familyB.GetName())
	nf("STUDENT", "lists another family's students", err)
	if _, err = c.UpdateStudent(studentA1, &bookingv1.UpdateStudentRequest{Student: &bookingv1.Student{Name: s.studentA1.GetName(), GivenName: "Me"}}); code(err) != codes.PermissionDenied {
		t.Errorf("STUDENT edits themselves: %v", err)
	}

	// TEACHER reads all, edits nothing.
	must(c.GetStudent(teacher, &bookingv1.GetStudentRequest{Name: s.b1.GetName()}))(t)
	if _, err = c.UpdateFamily(teacher, &bookingv1.UpdateFamilyRequest{Family: &bookingv1.Family{Name: s.familyB.GetName(), DisplayName: "X"}}); code(err) != codes.PermissionDenied {
		t.Errorf("TEACHER edits a family: %v", err)
	}

	// A household and another school: the school's directory is not there.
	for who, ctx := range map[string]context.Context{"a household OWNER": owner, "another school's ADMIN": otherAdmin} {
		_, err = c.GetFamily(ctx, &bookingv1.GetFamilyRequest{Name: s.familyA.GetName()})
		nf(who, "reads a family", err)
		_, err = c.GetSchoolSettings(ctx, &bookingv1.GetSchoolSettingsRequest{Name: s.name + "/settings"})
		nf(who, "reads the settings", err)
		_, err = listStudents(ctx, s.name+"/families/-")
		nf(who, "lists the students", err)
	}
	_ = fb
}

// TestBookingStoreKeepsTenantsApartWithoutRLS: every query of the
// directory's store, over a connection RLS does not apply to, with one
// tenant as its tenant_id and another's ids, reaches nothing of the other
// (the first wall alone).
func TestBookingStoreKeepsTenantsApartWithoutRLS(t *testing.T) {
	t.Parallel()
	dbtest.CheckFirstWall(t, dbtest.New(t), dbtest.FirstWall{New: func(tx pgx.Tx) any { return store.New(tx) }})
}
