package outcomes_test

import (
	"context"
	"maps"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// directoryOutcomes are the school directory's rows, written from what each
// role may do (README, Permissions): ADMIN everything; TEACHER reads the
// whole directory; the family's PARENT reads and edits their family and its
// students, and reads the settings; another family's PARENT gets NOT_FOUND
// for that family and its students; the STUDENT reads the settings and
// themselves; households hold no directory permission (403 in their own
// tenant); another school's ADMIN gets NOT_FOUND. Services are granted
// families.read (steward-invoicing's billing run reads every family), none
// of the rest: the service here names the household, which has no family,
// so its reads find nothing (NOT_FOUND, an empty page, the default
// settings).
//
// Columns: household OWNER, MEMBER; school ADMIN, TEACHER, the family's
// PARENT, another family's PARENT, STUDENT; another tenant's ADMIN; no
// token; service with a tenant; service without.
var directoryOutcomes = map[string][principals]codes.Code{
	"/steward.booking.v1.DirectoryService/GetSchoolSettings":    {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.DirectoryService/UpdateSchoolSettings": {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/CreateRoom":           {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/GetRoom":              {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/ListRooms":            {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/UpdateRoom":           {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/DeleteRoom":           {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/CreateInstrument":     {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/GetInstrument":        {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/ListInstruments":      {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/UpdateInstrument":     {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/DeleteInstrument":     {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/CreateTeacher":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/GetTeacher":           {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/ListTeachers":         {pd, pd, ok, ok, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/UpdateTeacher":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/DeleteTeacher":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/CreateFamily":         {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/GetFamily":            {pd, pd, ok, ok, ok, nf, nf, nf, una, nf, pd},
	"/steward.booking.v1.DirectoryService/ListFamilies":         {pd, pd, ok, ok, ok, ok, ok, nf, una, ok, pd},
	"/steward.booking.v1.DirectoryService/UpdateFamily":         {pd, pd, ok, pd, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/DeleteFamily":         {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/CreateStudent":        {pd, pd, ok, pd, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/GetStudent":           {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.DirectoryService/ListStudents":         {pd, pd, ok, ok, ok, nf, ok, nf, una, nf, pd},
	"/steward.booking.v1.DirectoryService/UpdateStudent":        {pd, pd, ok, pd, ok, nf, pd, nf, una, pd, pd},
	"/steward.booking.v1.DirectoryService/DeleteStudent":        {pd, pd, ok, pd, pd, pd, pd, nf, una, pd, pd},
}

func init() {
	maps.Copy(outcomes, directoryOutcomes)
	maps.Copy(calls, directoryCalls)
}

// directoryFixtures are a world's standing directory resources: in the
// school real ones (the family is the PARENT's, the student the STUDENT's,
// in that family), in the household well-formed names of nothing.
type directoryFixtures struct {
	room, instrument, teacher, family, student string
	real                                       bool
}

func idOf(name string) uuid.UUID { return uuid.MustParse(name[len(name)-36:]) }

func (w *world) newDirectory(t *testing.T, tenant uuid.UUID, real bool) directoryFixtures {
	t.Helper()
	if !real {
		id := func() string { return uuid.NewString() }
		family := w.tenant + "/families/" + id()
		return directoryFixtures{room: w.tenant + "/rooms/" + id(), instrument: w.tenant + "/instruments/" + id(),
			teacher: w.tenant + "/teachers/" + id(), family: family, student: family + "/students/" + id()}
	}
	d := directoryFixtures{real: true}
	d.room = w.newRoom(t, d)
	d.instrument = w.newInstrument(t, d)
	d.teacher = w.newTeacher(t, d)
	d.family = w.newFamily(t)
	d.student = w.newStudent(t, directoryFixtures{family: d.family, real: true})
	return d
}

// The fresh fixtures a change or delete acts on, made as the world's ADMIN;
// in a household, fresh names of nothing.
func (w *world) newRoom(t *testing.T, d directoryFixtures) string {
	t.Helper()
	if !d.real {
		return w.tenant + "/rooms/" + uuid.NewString()
	}
	return must(w.c.directory.CreateRoom(w.admin, &bookingv1.CreateRoomRequest{Parent: w.tenant,
		Room: &bookingv1.Room{DisplayName: "Studio " + uuid.NewString()[:8], Capacity: 2}}))(t).GetName()
}

func (w *world) newInstrument(t *testing.T, d directoryFixtures) string {
	t.Helper()
	if !d.real {
		return w.tenant + "/instruments/" + uuid.NewString()
	}
	return must(w.c.directory.CreateInstrument(w.admin, &bookingv1.CreateInstrumentRequest{Parent: w.tenant,
		Instrument: &bookingv1.Instrument{DisplayName: "Viola " + uuid.NewString()[:8], Kind: bookingv1.Instrument_KIND_STRINGS}}))(t).GetName()
}

func (w *world) newTeacher(t *testing.T, d directoryFixtures) string {
	t.Helper()
	if !d.real {
		return w.tenant + "/teachers/" + uuid.NewString()
	}
	return must(w.c.directory.CreateTeacher(w.admin, &bookingv1.CreateTeacherRequest{Parent: w.tenant,
		Teacher: &bookingv1.Teacher{Member: w.tenant + "/members/" + uuid.NewString(), DisplayName: "Priya Raman"}}))(t).GetName()
}

func (w *world) newFamily(t *testing.T) string {
	t.Helper()
	return must(w.c.directory.CreateFamily(w.admin, &bookingv1.CreateFamilyRequest{Parent: w.tenant,
		Family: &bookingv1.Family{DisplayName: "The Garcia family"}}))(t).GetName()
}

// newStudent is a fresh student of the standing family.
func (w *world) newStudent(t *testing.T, d directoryFixtures) string {
	t.Helper()
	if !d.real {
		return d.family + "/students/" + uuid.NewString()
	}
	return must(w.c.directory.CreateStudent(w.admin, &bookingv1.CreateStudentRequest{Parent: d.family,
		Student: &bookingv1.Student{GivenName: "Maya", BirthYear: 2014}}))(t).GetName()
}

func (w *world) freshFamily(t *testing.T) string {
	t.Helper()
	if !w.dir.real {
		return w.tenant + "/families/" + uuid.NewString()
	}
	return w.newFamily(t)
}

type callFunc = func(t *testing.T, ctx context.Context, c clients, w *world) error

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// directoryCalls are the directory's requests, aimed at the world's
// standing fixtures (the PARENT's family, the STUDENT's student) or at
// fresh ones for changes and deletes.
var directoryCalls = map[string]callFunc{
	"/steward.booking.v1.DirectoryService/GetSchoolSettings": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetSchoolSettings(ctx, &bookingv1.GetSchoolSettingsRequest{Name: w.tenant + "/settings"})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateSchoolSettings": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateSchoolSettings(ctx, &bookingv1.UpdateSchoolSettingsRequest{
			Settings: &bookingv1.SchoolSettings{Name: w.tenant + "/settings", RescheduleNoticeHours: 48}, UpdateMask: mask("reschedule_notice_hours")})
		return err
	},
	"/steward.booking.v1.DirectoryService/CreateRoom": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: w.tenant, Room: &bookingv1.Room{DisplayName: "Hall " + uuid.NewString()[:8], Capacity: 40}})
		return err
	},
	"/steward.booking.v1.DirectoryService/GetRoom": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetRoom(ctx, &bookingv1.GetRoomRequest{Name: w.dir.room})
		return err
	},
	"/steward.booking.v1.DirectoryService/ListRooms": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.ListRooms(ctx, &bookingv1.ListRoomsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateRoom": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateRoom(ctx, &bookingv1.UpdateRoomRequest{Room: &bookingv1.Room{Name: w.newRoom(t, w.dir), Capacity: 3}, UpdateMask: mask("capacity")})
		return err
	},
	"/steward.booking.v1.DirectoryService/DeleteRoom": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.DeleteRoom(ctx, &bookingv1.DeleteRoomRequest{Name: w.newRoom(t, w.dir)})
		return err
	},
	"/steward.booking.v1.DirectoryService/CreateInstrument": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.CreateInstrument(ctx, &bookingv1.CreateInstrumentRequest{Parent: w.tenant,
			Instrument: &bookingv1.Instrument{DisplayName: "Oboe " + uuid.NewString()[:8], Kind: bookingv1.Instrument_KIND_WOODWIND}})
		return err
	},
	"/steward.booking.v1.DirectoryService/GetInstrument": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetInstrument(ctx, &bookingv1.GetInstrumentRequest{Name: w.dir.instrument})
		return err
	},
	"/steward.booking.v1.DirectoryService/ListInstruments": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.ListInstruments(ctx, &bookingv1.ListInstrumentsRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateInstrument": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateInstrument(ctx, &bookingv1.UpdateInstrumentRequest{
			Instrument: &bookingv1.Instrument{Name: w.newInstrument(t, w.dir), Kind: bookingv1.Instrument_KIND_BRASS}, UpdateMask: mask("kind")})
		return err
	},
	"/steward.booking.v1.DirectoryService/DeleteInstrument": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.DeleteInstrument(ctx, &bookingv1.DeleteInstrumentRequest{Name: w.newInstrument(t, w.dir)})
		return err
	},
	"/steward.booking.v1.DirectoryService/CreateTeacher": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.CreateTeacher(ctx, &bookingv1.CreateTeacherRequest{Parent: w.tenant,
			Teacher: &bookingv1.Teacher{Member: w.tenant + "/members/" + uuid.NewString(), DisplayName: "Grace Kim"}})
		return err
	},
	"/steward.booking.v1.DirectoryService/GetTeacher": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetTeacher(ctx, &bookingv1.GetTeacherRequest{Name: w.dir.teacher})
		return err
	},
	"/steward.booking.v1.DirectoryService/ListTeachers": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.ListTeachers(ctx, &bookingv1.ListTeachersRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateTeacher": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateTeacher(ctx, &bookingv1.UpdateTeacherRequest{
			Teacher: &bookingv1.Teacher{Name: w.newTeacher(t, w.dir), CalendarColor: "#16a34a"}, UpdateMask: mask("calendar_color")})
		return err
	},
	"/steward.booking.v1.DirectoryService/DeleteTeacher": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.DeleteTeacher(ctx, &bookingv1.DeleteTeacherRequest{Name: w.newTeacher(t, w.dir)})
		return err
	},
	"/steward.booking.v1.DirectoryService/CreateFamily": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.CreateFamily(ctx, &bookingv1.CreateFamilyRequest{Parent: w.tenant, Family: &bookingv1.Family{DisplayName: "The Novak family"}})
		return err
	},
	"/steward.booking.v1.DirectoryService/GetFamily": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetFamily(ctx, &bookingv1.GetFamilyRequest{Name: w.dir.family})
		return err
	},
	"/steward.booking.v1.DirectoryService/ListFamilies": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.ListFamilies(ctx, &bookingv1.ListFamiliesRequest{Parent: w.tenant})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateFamily": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateFamily(ctx, &bookingv1.UpdateFamilyRequest{
			Family: &bookingv1.Family{Name: w.dir.family, BillingContact: &bookingv1.BillingContact{Phone: "+19515550100"}}, UpdateMask: mask("billing_contact.phone")})
		return err
	},
	"/steward.booking.v1.DirectoryService/DeleteFamily": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.DeleteFamily(ctx, &bookingv1.DeleteFamilyRequest{Name: w.freshFamily(t)})
		return err
	},
	"/steward.booking.v1.DirectoryService/CreateStudent": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.CreateStudent(ctx, &bookingv1.CreateStudentRequest{Parent: w.dir.family, Student: &bookingv1.Student{GivenName: "Leo"}})
		return err
	},
	"/steward.booking.v1.DirectoryService/GetStudent": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.GetStudent(ctx, &bookingv1.GetStudentRequest{Name: w.dir.student})
		return err
	},
	"/steward.booking.v1.DirectoryService/ListStudents": func(_ *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.ListStudents(ctx, &bookingv1.ListStudentsRequest{Parent: w.dir.family})
		return err
	},
	"/steward.booking.v1.DirectoryService/UpdateStudent": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.UpdateStudent(ctx, &bookingv1.UpdateStudentRequest{
			Student: &bookingv1.Student{Name: w.newStudent(t, w.dir), Level: bookingv1.Student_LEVEL_INTERMEDIATE}, UpdateMask: mask("level")})
		return err
	},
	"/steward.booking.v1.DirectoryService/DeleteStudent": func(t *testing.T, ctx context.Context, c clients, w *world) error {
		_, err := c.directory.DeleteStudent(ctx, &bookingv1.DeleteStudentRequest{Name: w.newStudent(t, w.dir)})
		return err
	},
}
