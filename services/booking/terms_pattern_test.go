package booking_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/apierror"
)

const (
	group      = bookingv1.WeekKind_WEEK_KIND_GROUP
	individual = bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
)

// weeks is a pattern of n weeks, all GROUP but those listed INDIVIDUAL.
func weeks(n int, individualWeeks ...int) []bookingv1.WeekKind {
	out := make([]bookingv1.WeekKind, n)
	for i := range out {
		out[i] = group
		if slices.Contains(individualWeeks, i+1) {
			out[i] = individual
		}
	}
	return out
}

// TestWeekPatternEtag: two admins updating from the same etag at once: one
// wins, the other gets ETAG_MISMATCH; a pattern must cover every week, and
// overrides must be of the term's classes and weeks.
func TestWeekPatternEtag(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	otherTerm := s.term("2027-04-19", "2027-05-28")
	stranger := s.class(otherTerm, "Other term's class", classSpec{weekday: 2, start: "09:00"})
	name := term.GetName() + "/weekPattern"
	p := must(tc.GetWeekPattern(s.admin, &bookingv1.GetWeekPatternRequest{Name: name}))(t)
	if !slices.Equal(p.GetWeeks(), weeks(8)) || p.GetEtag() == "" || len(p.GetClassOverrides()) != 0 {
		t.Fatalf("a new term's pattern = %v, want 8 GROUP weeks", p)
	}

	for _, tt := range []struct {
		name  string
		p     *bookingv1.WeekPattern
		field string
	}{
		{"too few weeks", &bookingv1.WeekPattern{Weeks: weeks(7)}, "week_pattern.weeks"},
		{"a class of another term", &bookingv1.WeekPattern{Weeks: weeks(8), ClassOverrides: []*bookingv1.ClassWeekOverride{
			{Class: stranger.GetName(), Week: 1, Kind: individual}}}, "week_pattern.class_overrides[0].class"},
	} {
		tt.p.Name = name
		if _, err := tc.UpdateWeekPattern(s.admin, &bookingv1.UpdateWeekPatternRequest{WeekPattern: tt.p}); !slices.Equal(apierror.ViolatedFields(err), []string{tt.field}) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on %s", tt.name, err, tt.field)
		}
	}

	admin2 := s.as(env.User(t, s.id, "admin"))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, ctx := range []context.Context{s.admin, admin2} {
		wg.Go(func() {
			_, errs[i] = tc.UpdateWeekPattern(ctx, &bookingv1.UpdateWeekPatternRequest{WeekPattern: &bookingv1.WeekPattern{
				Name: name, Weeks: weeks(8, i+2), Etag: p.GetEtag()}})
		})
	}
	wg.Wait()
	won, lost := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case code(err) == codes.Aborted && apierror.ReasonOf(err) == apierror.ReasonEtagMismatch:
			lost++
		default:
			t.Errorf("concurrent pattern update: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("%d won, %d lost ETAG_MISMATCH; want one each", won, lost)
	}
	now := must(tc.GetWeekPattern(s.admin, &bookingv1.GetWeekPatternRequest{Name: name}))(t)
	if now.GetEtag() == p.GetEtag() || (!slices.Equal(now.GetWeeks(), weeks(8, 2)) && !slices.Equal(now.GetWeeks(), weeks(8, 3))) {
		t.Errorf("pattern after the race = %v", now)
	}
}

// TestWeekPatternSwitchesSessions: a week turned INDIVIDUAL turns the group
// session into a placeholder that blocks no one; turned back to GROUP it
// cancels the individual sessions booked in it (with make-up credits) and
// brings the group session back; an override changes one class only; and
// a GROUP week that would double-book the teacher changes nothing.
func TestWeekPatternSwitchesSessions(t *testing.T) {
	t.Parallel()
	env, c, tc := setupTerms(t)
	s := newTermSchool(t, env, c, tc, "")
	term := s.term("2027-02-01", "2027-03-26")
	a := s.class(term, "Junior Strings A", classSpec{weekday: 3, start: "16:00"})
	b := s.class(term, "Piano Seniors", classSpec{weekday: 1, start: "17:00", teacher: s.teacher2, room: s.room2})
	s.enrol(a, s.studentA1)
	s.enrol(b, s.b1)
	name := term.GetName() + "/weekPattern"
	update := func(p *bookingv1.WeekPattern) (*bookingv1.WeekPattern, error) {
		cur := must(tc.GetWeekPattern(s.admin, &bookingv1.GetWeekPatternRequest{Name: name}))(t)
		p.Name, p.Etag = name, cur.GetEtag()
		return tc.UpdateWeekPattern(s.admin, &bookingv1.UpdateWeekPatternRequest{WeekPattern: p})
	}
	week := func(class *bookingv1.Class, n int32) sessionRow {
		for _, r := range s.sessions(class, "UTC") {
			if r.week == n {
				return r
			}
		}
		t.Fatalf("%s has no session in week %d", class.GetDisplayName(), n)
		return sessionRow{}
	}

	must(update(&bookingv1.WeekPattern{Weeks: weeks(8, 2)}))(t)
	if r := week(a, 2); r.kind != "placeholder" || r.blockingAttendees != 0 || r.sequence != 1 {
		t.Errorf("week 2 INDIVIDUAL: %+v, want a non-blocking placeholder", r)
	}
	if r := week(a, 1); r.kind != "group" || r.blockingAttendees != 1 || r.sequence != 0 {
		t.Errorf("week 1 untouched: %+v", r)
	}

	// A booked individual session in week 2; week 2 back to GROUP cancels
	// it with a credit.
	booked := s.bookIndividual(a, s.teacher, s.studentA1, 2, "2027-02-10 17:00", "UTC", 20)
	must(update(&bookingv1.WeekPattern{Weeks: weeks(8)}))(t)
	var state, reason string
	var seq, credits int
	s.query(`SELECT state, cancel_reason, sequence, (SELECT count(*) FROM booking.makeup_credits m WHERE m.source_session_id = s.session_id AND m.student_id = $2)
		FROM booking.sessions s WHERE session_id = $1`, []any{booked, idOf(s.studentA1.GetName())}, &state, &reason, &seq, &credits)
	if state != "cancelled" || !strings.Contains(reason, "week 2") || seq != 1 || credits != 1 {
		t.Errorf("the individual session of a week turned GROUP: %s %q sequence %d, %d credits; want cancelled with a credit", state, reason, seq, credits)
	}
	var events, blockingRows int
	s.query(`SELECT (SELECT count(*) FROM booking.session_events WHERE session_id = $1 AND action = 'cancelled' AND reason LIKE '%week 2%'),
		(SELECT count(*) FROM booking.session_attendees WHERE session_id = $1 AND blocking)`, []any{booked}, &events, &blockingRows)
	if events != 1 || blockingRows != 0 {
		t.Errorf("the cancelled session has %d cancellation events and %d blocking attendees; want 1 and 0", events, blockingRows)
	}
	if r := week(a, 2); r.kind != "group" || r.blockingAttendees != 1 || r.sequence != 2 {
		t.Errorf("week 2 GROUP again: %+v", r)
	}

	// An override: class a only, week 3.
	p := must(update(&bookingv1.WeekPattern{Weeks: weeks(8), ClassOverrides: []*bookingv1.ClassWeekOverride{{Class: a.GetName(), Week: 3, Kind: individual}}}))(t)
	if len(p.GetClassOverrides()) != 1 || p.GetClassOverrides()[0].GetClass() != a.GetName() {
		t.Errorf("overrides = %v", p.GetClassOverrides())
	}
	if week(a, 3).kind != "placeholder" || week(b, 3).kind != "group" {
		t.Errorf("override of a's week 3: a %+v, b %+v", week(a, 3), week(b, 3))
	}

	// Weeks 4 and 5 INDIVIDUAL. In week 4 b's student books teacher 1 at
	// a's group time; in week 5 a's own student books b's teacher at a's
	// group time (which a placeholder does not block). b stays INDIVIDUAL in
	// those weeks by an override, so neither of a's weeks can become GROUP:
	// each refusal names what would be double-booked, and changes nothing.
	p = must(update(&bookingv1.WeekPattern{Weeks: weeks(8, 4, 5)}))(t)
	booked4 := s.bookIndividual(b, s.teacher, s.b1, 4, "2027-02-24 16:15", "UTC", 20)
	booked5 := s.bookIndividual(b, s.teacher2, s.studentA1, 5, "2027-03-03 16:15", "UTC", 20)
	for _, tt := range []struct {
		name  string
		p     *bookingv1.WeekPattern
		names string
	}{
		{"the teacher", &bookingv1.WeekPattern{Weeks: weeks(8, 5), ClassOverrides: []*bookingv1.ClassWeekOverride{{Class: b.GetName(), Week: 4, Kind: individual}}}, "teacher"},
		{"a student", &bookingv1.WeekPattern{Weeks: weeks(8, 4), ClassOverrides: []*bookingv1.ClassWeekOverride{{Class: b.GetName(), Week: 5, Kind: individual}}}, "student"},
	} {
		_, err := update(tt.p)
		if code(err) != codes.Aborted || apierror.ReasonOf(err) != reasonSlotTaken || !strings.Contains(err.Error(), tt.names) {
			t.Errorf("a GROUP week that double-books %s: %v, want SLOT_TAKEN naming the %s", tt.name, err, tt.names)
		}
	}
	after := must(tc.GetWeekPattern(s.admin, &bookingv1.GetWeekPatternRequest{Name: name}))(t)
	var states string
	s.query("SELECT string_agg(state, ',' ORDER BY week_number) FROM booking.sessions WHERE session_id IN ($1, $2)", []any{booked4, booked5}, &states)
	if after.GetEtag() != p.GetEtag() || !slices.Equal(after.GetWeeks(), weeks(8, 4, 5)) || week(a, 4).kind != "placeholder" ||
		week(a, 5).kind != "placeholder" || states != "scheduled,scheduled" {
		t.Errorf("after the refused updates: pattern %v, a's weeks 4 and 5 %+v %+v, the booked sessions %s; want all unchanged",
			after, week(a, 4), week(a, 5), states)
	}
}
