package booking_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/servertest"
	"steward.dev/services/booking"
)

// calSchool is a school with a schedule written straight into the tables
// (the term and session RPCs are not this test's subject): a term in
// Australia/Sydney with a half-term break, two classes of two teachers in
// two rooms, and sessions of every kind. Its weeks start two weeks from
// now, so the feeds' range (30 days back, 180 ahead) holds them all.
type calSchool struct {
	*school
	cal                      bookingv1.CalendarServiceClient
	zone                     *time.Location
	monday                   time.Time // week 1, local midnight
	term                     uuid.UUID
	teacher1, teacher2       *bookingv1.Teacher
	teacherUser1             servertest.User
	room1, room2             *bookingv1.Room
	classA, classB           uuid.UUID
	group1, placeholder2     uuid.UUID // class A: week 1 group, week 2 placeholder
	individual2, group3      uuid.UUID // class A: Maya's one-to-one in week 2, week 3 group
	cancelledB1              uuid.UUID // class B's week 1 group, cancelled
	makeupB                  uuid.UUID // Ava's make-up with teacher 2, after the first five weeks
	parentA, parentB, leo    context.Context
	teacherCtx, otherTeacher context.Context
}

func calendarSetup(t *testing.T) (*servertest.Env, bookingv1.DirectoryServiceClient, bookingv1.CalendarServiceClient) {
	t.Helper()
	env := servertest.New(t)
	conn := env.Serve(t, booking.Services)
	return env, bookingv1.NewDirectoryServiceClient(conn), bookingv1.NewCalendarServiceClient(conn)
}

func newCalSchool(t *testing.T, env *servertest.Env, dir bookingv1.DirectoryServiceClient, cal bookingv1.CalendarServiceClient, zone string) *calSchool {
	t.Helper()
	c := &calSchool{school: newSchool(t, env, dir), cal: cal}
	set := must(dir.GetSchoolSettings(c.admin, &bookingv1.GetSchoolSettingsRequest{Name: c.name + "/settings"}))(t)
	must(dir.UpdateSchoolSettings(c.admin, &bookingv1.UpdateSchoolSettingsRequest{
		Settings:   &bookingv1.SchoolSettings{Name: set.GetName(), TimeZone: zone, Etag: set.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone"}}}))(t)
	c.zone = must(time.LoadLocation(zone))(t)
	now := time.Now().In(c.zone)
	day := time.Date(now.Year(), now.Month(), now.Day()+14, 0, 0, 0, 0, c.zone)
	c.monday = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))

	c.teacherUser1 = env.User(t, c.id, "teacher")
	other := env.User(t, c.id, "teacher")
	c.teacher1 = c.teacher(c.teacherUser1, "Elena Vasquez")
	c.teacher2 = c.teacher(other, "Marcus Webb")
	c.teacherCtx, c.otherTeacher = c.as(c.teacherUser1), c.as(other)
	c.room1 = must(dir.CreateRoom(c.admin, &bookingv1.CreateRoomRequest{Parent: c.name, Room: &bookingv1.Room{DisplayName: "Studio 1", Capacity: 12}}))(t)
	c.room2 = must(dir.CreateRoom(c.admin, &bookingv1.CreateRoomRequest{Parent: c.name, Room: &bookingv1.Room{DisplayName: "Studio 2", Capacity: 12}}))(t)
	c.parentA = c.as(env.Member(t, c.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(c.familyA.GetName())}))
	c.parentB = c.as(env.Member(t, c.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(c.familyB.GetName())}))
	c.leo = c.as(env.Member(t, c.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(c.studentA2.GetName())}))

	date := func(days int) string { return c.monday.AddDate(0, 0, days).Format(time.DateOnly) }
	c.term = uuid.New()
	c.exec("INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date) VALUES ($1, $2, 'Term 1', $3, $4)",
		c.id, c.term, date(0), date(48))
	c.exec("INSERT INTO booking.term_breaks (tenant_id, term_id, break_number, display_name, start_date, end_date) VALUES ($1, $2, 1, 'Half-term', $3, $4)",
		c.id, c.term, date(21), date(27))
	week := 0
	for w, kind := range []string{"group", "individual", "group", "", "group", "group"} {
		if kind == "" {
			continue // the half-term's week holds no teaching day
		}
		week++
		c.exec("INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday, kind) VALUES ($1, $2, $3, $4, $5)",
			c.id, c.term, week, date(7*w), kind)
	}
	c.classA = c.class("Junior Strings A", c.violin, c.teacher1, c.room1, 2, "16:00")
	c.classB = c.class("Piano Pairs", c.piano, c.teacher2, c.room2, 3, "17:00")
	maya, leo, ava := idOf(c.studentA1.GetName()), idOf(c.studentA2.GetName()), idOf(c.b1.GetName())
	for _, e := range []struct {
		class   uuid.UUID
		student uuid.UUID
	}{{c.classA, maya}, {c.classA, ava}, {c.classB, leo}} {
		c.exec("INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state) VALUES ($1, $2, $3, $4, 'enrolled')",
			c.id, uuid.New(), e.class, e.student)
	}
	at := func(days int, hhmm string) time.Time {
		t, _ := time.Parse("15:04", hhmm)
		d := c.monday.AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, c.zone)
	}
	c.group1 = c.session("group", c.classA, 1, c.teacher1, c.room1, at(1, "16:00"), time.Hour, uuid.Nil, maya, ava)
	c.placeholder2 = c.session("placeholder", c.classA, 2, c.teacher1, c.room1, at(8, "16:00"), time.Hour, uuid.Nil, maya, ava)
	booking := uuid.New()
	c.exec("INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by) VALUES ($1, $2, $3, $4, $5, 'once', $6)",
		c.id, booking, idOf(c.familyA.GetName()), maya, c.classA, uuid.New())
	c.individual2 = c.session("individual", c.classA, 2, c.teacher1, c.room1, at(9, "15:00"), 30*time.Minute, booking, maya)
	c.group3 = c.session("group", c.classA, 3, c.teacher1, c.room1, at(15, "16:00"), time.Hour, uuid.Nil, maya, ava)
	c.cancelledB1 = c.session("group", c.classB, 1, c.teacher2, c.room2, at(2, "17:00"), time.Hour, uuid.Nil, leo)
	makeup := uuid.New()
	c.exec("INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by) VALUES ($1, $2, $3, $4, $5, 'once', $6)",
		c.id, makeup, idOf(c.familyB.GetName()), ava, c.classB, uuid.New())
	c.makeupB = c.session("makeup", c.classB, 0, c.teacher2, c.room2, at(36, "10:00"), 30*time.Minute, makeup, ava)
	c.exec("UPDATE booking.sessions SET state = 'cancelled', cancel_reason = 'Teacher unwell', sequence = sequence + 1 WHERE tenant_id = $1 AND session_id = $2",
		c.id, c.cancelledB1)
	return c
}

func (c *calSchool) exec(sql string, args ...any) {
	c.t.Helper()
	dbtest.ExecAsTenant(c.t, c.env.Owner, c.id, sql, args...)
}

func (c *calSchool) teacher(u servertest.User, name string) *bookingv1.Teacher {
	return must(c.c.CreateTeacher(c.admin, &bookingv1.CreateTeacherRequest{Parent: c.name, Teacher: &bookingv1.Teacher{
		Member: c.name + "/members/" + u.ID.String(), DisplayName: name}}))(c.t)
}

func (c *calSchool) class(name string, in *bookingv1.Instrument, teacher *bookingv1.Teacher, room *bookingv1.Room, weekday int, start string) uuid.UUID {
	id := uuid.New()
	c.exec(`INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday,
	        start_time, group_minutes, individual_minutes, capacity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 60, 30, 8)`,
		c.id, id, c.term, name, idOf(in.GetName()), idOf(teacher.GetName()), idOf(room.GetName()), weekday, start)
	return id
}

// session writes a session and its attendees as the schema says they are:
// attendee rows carry the session's range, blocking unless a placeholder.
func (c *calSchool) session(kind string, class uuid.UUID, week int, teacher *bookingv1.Teacher, room *bookingv1.Room,
	start time.Time, d time.Duration, booking uuid.UUID, students ...uuid.UUID) uuid.UUID {
	id := uuid.New()
	weekNumber := sql.NullInt32{Int32: int32(week), Valid: week != 0} // a make-up may lie outside the term's weeks
	c.exec(`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during, booking_id)
	        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10), $11)`,
		c.id, id, kind, c.term, class, weekNumber, idOf(teacher.GetName()), idOf(room.GetName()), start, start.Add(d),
		uuid.NullUUID{UUID: booking, Valid: booking != uuid.Nil})
	for _, s := range students {
		c.exec(`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
		        VALUES ($1, $2, $3, tstzrange($4, $5), $6)`, c.id, id, s, start, start.Add(d), kind != "placeholder")
	}
	return id
}

func (c *calSchool) sessionName(id uuid.UUID) string { return c.name + "/sessions/" + id.String() }

// window is the request for the school's first five weeks.
func (c *calSchool) window() *bookingv1.ListCalendarEntriesRequest {
	return &bookingv1.ListCalendarEntriesRequest{Parent: c.name, StartTime: timestamppb.New(c.monday.AddDate(0, 0, -1)),
		EndTime: timestamppb.New(c.monday.AddDate(0, 0, 35))}
}

// entryKeys lists a page as session names and "break:<name>".
func entryKeys(entries []*bookingv1.CalendarEntry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if b := e.GetTermBreak(); b != nil {
			out = append(out, "break:"+b.GetDisplayName())
		} else {
			out = append(out, e.GetSession().GetName())
		}
	}
	return out
}

// all reads every page of req.
func (c *calSchool) all(t *testing.T, ctx context.Context, req *bookingv1.ListCalendarEntriesRequest) ([]*bookingv1.CalendarEntry, error) {
	t.Helper()
	var out []*bookingv1.CalendarEntry
	for pages := 0; pages < 50; pages++ {
		resp, err := c.cal.ListCalendarEntries(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetEntries()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatal("more than 50 pages")
	return nil, nil
}

func TestCalendarMergesSessionsAndBreaksInTimeOrder(t *testing.T) {
	t.Parallel()
	env, dir, cal := calendarSetup(t)
	c := newCalSchool(t, env, dir, cal, "Australia/Sydney")
	got := must(c.all(t, c.admin, c.window()))(t)
	want := []string{c.sessionName(c.group1), c.sessionName(c.cancelledB1), c.sessionName(c.placeholder2),
		c.sessionName(c.individual2), c.sessionName(c.group3), "break:Half-term"}
	if !slices.Equal(entryKeys(got), want) {
		t.Fatalf("whole school = %v\nwant %v", entryKeys(got), want)
	}
	byName := map[string]*bookingv1.Session{}
	for _, e := range got {
		if s := e.GetSession(); s != nil {
			byName[s.GetName()] = s
		}
	}
	for _, tc := range []struct {
		id        uuid.UUID
		kind      bookingv1.Session_Kind
		state     bookingv1.Session_State
		title     string
		attendees int
	}{
		{c.group1, bookingv1.Session_KIND_GROUP, bookingv1.Session_STATE_SCHEDULED, "Junior Strings A", 2},
		{c.placeholder2, bookingv1.Session_KIND_PLACEHOLDER, bookingv1.Session_STATE_SCHEDULED, "Junior Strings A", 2},
		{c.individual2, bookingv1.Session_KIND_INDIVIDUAL, bookingv1.Session_STATE_SCHEDULED, "Violin — Maya Garcia", 1},
		{c.cancelledB1, bookingv1.Session_KIND_GROUP, bookingv1.Session_STATE_CANCELLED, "Piano Pairs", 1},
	} {
		s := byName[c.sessionName(tc.id)]
		if s.GetKind() != tc.kind || s.GetState() != tc.state || s.GetTitle() != tc.title || len(s.GetAttendees()) != tc.attendees {
			t.Errorf("session %s = %v; want %v %v %q with %d attendees", tc.id, s, tc.kind, tc.state, tc.title, tc.attendees)
		}
	}
	if s := byName[c.sessionName(c.cancelledB1)]; s.GetCancelReason() != "Teacher unwell" || s.GetSequence() != 1 {
		t.Errorf("cancelled session = %v", s)
	}
	if s := byName[c.sessionName(c.individual2)]; s.GetBooking() == "" || s.GetWeek() != 2 || s.GetTeacher() != c.teacher1.GetName() ||
		s.GetRoom() != c.room1.GetName() || !s.GetStartTime().AsTime().Equal(c.monday.AddDate(0, 0, 9).Add(15*time.Hour)) {
		t.Errorf("individual session = %v", s)
	}
	b := got[len(got)-1].GetTermBreak()
	if b.GetStartDate() != c.monday.AddDate(0, 0, 21).Format(time.DateOnly) || b.GetTerm() != c.name+"/terms/"+c.term.String() {
		t.Errorf("break = %v", b)
	}

	// Paging on (start, id) gives the same entries, whatever the size.
	for _, size := range []int32{1, 2, 4} {
		req := c.window()
		req.PageSize = size
		paged := must(c.all(t, c.admin, req))(t)
		if !slices.Equal(entryKeys(paged), want) {
			t.Errorf("pages of %d = %v", size, entryKeys(paged))
		}
	}
	// A window ending before the break, starting after the first week.
	req := c.window()
	req.StartTime, req.EndTime = timestamppb.New(c.monday.AddDate(0, 0, 7)), timestamppb.New(c.monday.AddDate(0, 0, 21))
	if got := entryKeys(must(c.all(t, c.admin, req))(t)); !slices.Equal(got, want[2:5]) {
		t.Errorf("weeks 2 and 3 = %v", got)
	}
	// The make-up after the break: no teaching week, titled by instrument.
	req.StartTime, req.EndTime = timestamppb.New(c.monday.AddDate(0, 0, 35)), timestamppb.New(c.monday.AddDate(0, 0, 42))
	later := must(c.all(t, c.parentB, req))(t)
	if s := later[0].GetSession(); len(later) != 1 || s.GetName() != c.sessionName(c.makeupB) || s.GetKind() != bookingv1.Session_KIND_MAKEUP ||
		s.GetWeek() != 0 || s.GetTitle() != "Piano — Ava Garcia" || s.GetBooking() == "" {
		t.Errorf("make-up week = %v", later)
	}
}

func TestCalendarFilters(t *testing.T) {
	t.Parallel()
	env, dir, cal := calendarSetup(t)
	c := newCalSchool(t, env, dir, cal, "Australia/Sydney")
	g1, cb, p2, i2, g3 := c.sessionName(c.group1), c.sessionName(c.cancelledB1), c.sessionName(c.placeholder2), c.sessionName(c.individual2), c.sessionName(c.group3)
	const brk = "break:Half-term"
	for _, tc := range []struct {
		name string
		set  func(*bookingv1.ListCalendarEntriesRequest)
		want []string
	}{
		{"teacher 1", func(r *bookingv1.ListCalendarEntriesRequest) { r.Teacher = c.teacher1.GetName() }, []string{g1, p2, i2, g3, brk}},
		{"teacher 2", func(r *bookingv1.ListCalendarEntriesRequest) { r.Teacher = c.teacher2.GetName() }, []string{cb, brk}},
		{"room 2", func(r *bookingv1.ListCalendarEntriesRequest) { r.Room = c.room2.GetName() }, []string{cb, brk}},
		{"Maya", func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA1.GetName() }, []string{g1, p2, i2, g3, brk}},
		{"Leo", func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA2.GetName() }, []string{cb, brk}},
		{"family A", func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = c.familyA.GetName() }, []string{g1, cb, p2, i2, g3, brk}},
		{"family B", func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = c.familyB.GetName() }, []string{g1, p2, g3, brk}},
	} {
		req := c.window()
		tc.set(req)
		req.PageSize = 2
		got, err := c.all(t, c.admin, req)
		if err != nil || !slices.Equal(entryKeys(got), tc.want) {
			t.Errorf("%s: %v %v\nwant %v", tc.name, entryKeys(got), err, tc.want)
		}
	}

	// Refusals: the window's bounds, two filters, a token of another request.
	other := newCalSchool(t, env, dir, cal, "UTC")
	for _, tc := range []struct {
		name  string
		set   func(*bookingv1.ListCalendarEntriesRequest)
		code  codes.Code
		field string
	}{
		{"end before start", func(r *bookingv1.ListCalendarEntriesRequest) { r.EndTime = timestamppb.New(c.monday.AddDate(0, 0, -2)) }, codes.InvalidArgument, "end_time"},
		{"end at start", func(r *bookingv1.ListCalendarEntriesRequest) { r.EndTime = r.GetStartTime() }, codes.InvalidArgument, "end_time"},
		{"94 days", func(r *bookingv1.ListCalendarEntriesRequest) { r.EndTime = timestamppb.New(c.monday.AddDate(0, 0, 93)) }, codes.InvalidArgument, "end_time"},
		{"two filters", func(r *bookingv1.ListCalendarEntriesRequest) {
			r.Teacher, r.Room = c.teacher1.GetName(), c.room1.GetName()
		}, codes.InvalidArgument, "teacher"},
		{"no start", func(r *bookingv1.ListCalendarEntriesRequest) { r.StartTime = nil }, codes.InvalidArgument, "start_time"},
		{"unknown teacher", func(r *bookingv1.ListCalendarEntriesRequest) { r.Teacher = c.name + "/teachers/" + uuid.NewString() }, codes.NotFound, ""},
		{"another school's room", func(r *bookingv1.ListCalendarEntriesRequest) { r.Room = other.room1.GetName() }, codes.NotFound, ""},
		{"another school's family", func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = other.familyA.GetName() }, codes.NotFound, ""},
	} {
		req := c.window()
		tc.set(req)
		_, err := c.cal.ListCalendarEntries(c.admin, req)
		if code(err) != tc.code || (tc.field != "" && !slices.Equal(apierror.ViolatedFields(err), []string{tc.field})) {
			t.Errorf("%s: %v; want %v on %q", tc.name, err, tc.code, tc.field)
		}
	}
	req := c.window()
	req.PageSize = 1
	first := must(c.cal.ListCalendarEntries(c.admin, req))(t)
	req.PageToken, req.Teacher = first.GetNextPageToken(), c.teacher1.GetName()
	if _, err := c.cal.ListCalendarEntries(c.admin, req); !slices.Equal(apierror.ViolatedFields(err), []string{"page_token"}) {
		t.Errorf("a token of another filter: %v", err)
	}
}

func TestCalendarVisibility(t *testing.T) {
	t.Parallel()
	env, dir, cal := calendarSetup(t)
	c := newCalSchool(t, env, dir, cal, "Australia/Sydney")
	g1, cb, p2, i2, g3 := c.sessionName(c.group1), c.sessionName(c.cancelledB1), c.sessionName(c.placeholder2), c.sessionName(c.individual2), c.sessionName(c.group3)
	const brk = "break:Half-term"
	otherSchool := c.as(env.User(t, env.Tenant(t, "school"), "admin"))
	none := func(*bookingv1.ListCalendarEntriesRequest) {}
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // the caller of the case
		set  func(*bookingv1.ListCalendarEntriesRequest)
		want []string
		code codes.Code
		// attendees the caller sees of the group session (g1), when shown
		group1 []string
	}{
		{"teacher, whole school", c.otherTeacher, none, []string{g1, cb, p2, i2, g3, brk}, codes.OK, []string{c.b1.GetName(), c.studentA1.GetName()}},
		{"family A's parent, whole school", c.parentA, none, []string{g1, cb, p2, i2, g3, brk}, codes.OK, []string{c.studentA1.GetName()}},
		{"family B's parent, whole school", c.parentB, none, []string{g1, p2, g3, brk}, codes.OK, []string{c.b1.GetName()}},
		{"family B's parent, teacher 1", c.parentB, func(r *bookingv1.ListCalendarEntriesRequest) { r.Teacher = c.teacher1.GetName() }, []string{g1, p2, g3, brk}, codes.OK, nil},
		{"family B's parent, own family", c.parentB, func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = c.familyB.GetName() }, []string{g1, p2, g3, brk}, codes.OK, nil},
		{"family B's parent, family A", c.parentB, func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = c.familyA.GetName() }, nil, codes.NotFound, nil},
		{"family B's parent, Maya", c.parentB, func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA1.GetName() }, nil, codes.NotFound, nil},
		{"family A's parent, Maya", c.parentA, func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA1.GetName() }, []string{g1, p2, i2, g3, brk}, codes.OK, nil},
		{"Leo, whole school", c.leo, none, []string{cb, brk}, codes.OK, nil},
		{"Leo, himself", c.leo, func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA2.GetName() }, []string{cb, brk}, codes.OK, nil},
		{"Leo, his sister", c.leo, func(r *bookingv1.ListCalendarEntriesRequest) { r.Student = c.studentA1.GetName() }, nil, codes.NotFound, nil},
		{"Leo, his family", c.leo, func(r *bookingv1.ListCalendarEntriesRequest) { r.Family = c.familyA.GetName() }, nil, codes.NotFound, nil},
		{"another school's admin", otherSchool, none, nil, codes.NotFound, nil},
	} {
		req := c.window()
		tc.set(req)
		got, err := c.all(t, tc.ctx, req)
		if code(err) != tc.code || !slices.Equal(entryKeys(got), tc.want) {
			t.Errorf("%s: %v %v\nwant %v %v", tc.name, entryKeys(got), err, tc.want, tc.code)
			continue
		}
		for _, e := range got {
			if s := e.GetSession(); s != nil && s.GetName() == g1 && tc.group1 != nil {
				var seen []string
				for _, a := range s.GetAttendees() {
					seen = append(seen, a.GetStudent())
				}
				if slices.Sort(seen); !slices.Equal(seen, sorted(tc.group1...)) {
					t.Errorf("%s: group session's attendees %v, want %v", tc.name, seen, tc.group1)
				}
			}
		}
	}
}
