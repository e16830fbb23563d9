package server

import (
	"context"
	"slices"
	"time"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// maxSlotDays bounds a ListFreeSlots range, inclusive.
const maxSlotDays = 62

var whyOf = map[schedule.Problem]bookingv1.DayWithoutSlots_Why{
	schedule.OnBreak: bookingv1.DayWithoutSlots_WHY_BREAK, schedule.GroupWeek: bookingv1.DayWithoutSlots_WHY_GROUP_WEEK,
	schedule.WindowClosed: bookingv1.DayWithoutSlots_WHY_WINDOW_CLOSED, schedule.Unavailable: bookingv1.DayWithoutSlots_WHY_TEACHER_UNAVAILABLE,
	schedule.TooSoon: bookingv1.DayWithoutSlots_WHY_TOO_SOON, schedule.Expired: bookingv1.DayWithoutSlots_WHY_TOO_SOON,
	schedule.AllTaken: bookingv1.DayWithoutSlots_WHY_ALL_TAKEN,
}

// ListFreeSlots lists one student's bookable slots of a class, in one
// window (only that window's rules) or with a make-up credit, by the same
// rules CreateBooking applies (schedule.Rules), minus what the teacher, the
// student and the rooms already hold. A PARENT asks for their family's
// students, a STUDENT for themselves; staff for anyone.
func (s *SessionServer) ListFreeSlots(ctx context.Context, req *bookingv1.ListFreeSlotsRequest) (*bookingv1.ListFreeSlotsResponse, error) {
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	tenant := p.ID("tenant")
	stName, err := studentPattern.Parse("student", req.GetStudent())
	if err != nil {
		return nil, err
	}
	clName, err := bookedClassPattern.Parse("class", req.GetClass())
	if err != nil {
		return nil, err
	}
	if stName.ID("tenant") != tenant || clName.ID("tenant") != tenant {
		return nil, apierror.NotFound(req.GetStudent())
	}
	from, okFrom := aip.ParseDate(req.GetStartDate())
	to, okTo := aip.ParseDate(req.GetEndDate())
	if !okFrom {
		return nil, apierror.InvalidField("start_date", "is not a date (YYYY-MM-DD)")
	}
	if !okTo {
		return nil, apierror.InvalidField("end_date", "is not a date (YYYY-MM-DD)")
	}
	now, v := s.now(), viewerOf(ctx, false)
	q := queries(s.db.Scoped(ctx))
	student, err := q.StudentToBook(ctx, store.StudentToBookParams{TenantID: tenant, StudentID: stName.ID("student"), FamilyID: stName.ID("family"),
		ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetStudent())
	}
	class, err := q.BookableRules(ctx, store.BookableRulesParams{TenantID: tenant, ClassID: clName.ID("class"), StudentID: student.StudentID})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetClass())
	}
	var credit *store.BookingMakeupCredit
	var window *store.BookingBookingWindow
	if req.GetMakeupCredit() != "" {
		n, err := creditPattern.Parse("makeup_credit", req.GetMakeupCredit())
		if err != nil {
			return nil, err
		}
		c, err := q.MakeupCreditToBook(ctx, store.MakeupCreditToBookParams{TenantID: tenant, CreditID: n.ID("makeup_credit"), StudentID: student.StudentID})
		if err != nil {
			return nil, aip.NotFoundAs(err, req.GetMakeupCredit())
		}
		if c.UsedSessionID.Valid || !c.ExpireTime.After(now) {
			return nil, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CREDIT_UNAVAILABLE, "the make-up credit is used or expired")
		}
		credit = &c
	} else {
		n, err := windowPattern.Parse("booking_window", req.GetBookingWindow())
		if err != nil {
			return nil, err
		}
		w, err := q.GetBookingWindow(ctx, store.GetBookingWindowParams{TenantID: tenant, WindowID: n.ID("booking_window")})
		if err != nil {
			return nil, aip.NotFoundAs(err, req.GetBookingWindow())
		}
		if w.TermID != class.TermID {
			return nil, apierror.InvalidField("booking_window", "is a window of another term than the class's")
		}
		if !class.Enrolled {
			return nil, apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_NOT_ENROLLED, "the student is not enrolled in the class")
		}
		window = &w
	}
	rules, err := rulesOf(class, credit, now)
	if err != nil {
		return nil, err
	}
	if window != nil { // this window's answer, not any window's
		win := schedule.Window{Open: window.OpenTime, Close: window.CloseTime, Classes: window.ClassIds}
		for _, n := range window.WeekNumbers {
			win.Weeks = append(win.Weeks, int(n))
		}
		rules.Windows = []schedule.Window{win}
	}
	first, last := defaultRange(rules, window, credit, now)
	if from.Valid {
		first = from.Time
	}
	if to.Valid {
		last = to.Time
	} else if from.Valid {
		last = first.AddDate(0, 0, maxSlotDays-1)
	}
	if last.Before(first) {
		return nil, apierror.InvalidField("end_date", "is before start_date")
	}
	if last.Sub(first) >= maxSlotDays*24*time.Hour {
		return nil, apierror.InvalidField("end_date", "is more than 62 days after start_date")
	}
	busy, err := busyFor(ctx, q, tenant, class.TeacherID, student.StudentID, rules, first, last)
	if err != nil {
		return nil, err
	}
	slots, days := rules.Range(first, last, busy)
	out := &bookingv1.ListFreeSlotsResponse{}
	for _, sl := range slots {
		out.Slots = append(out.Slots, slotToProto(tenant, class.TeacherID, sl))
	}
	for _, d := range days {
		out.DaysWithoutSlots = append(out.DaysWithoutSlots, &bookingv1.DayWithoutSlots{Date: d.Date.Format(time.DateOnly), Why: whyOf[d.Why]})
	}
	return out, nil
}

// defaultRange is the days a ListFreeSlots without dates looks at: the
// window's weeks (all the term's when it lists none) or the credit's
// remaining life, from today, at most 62 days.
func defaultRange(r schedule.Rules, window *store.BookingBookingWindow, credit *store.BookingMakeupCredit, now time.Time) (time.Time, time.Time) {
	today := schedule.LocalDate(now, r.Loc)
	first, last := r.Calendar.Start, r.Calendar.End
	if credit != nil {
		first, last = today, schedule.LocalDate(credit.ExpireTime, r.Loc)
	} else if len(window.WeekNumbers) > 0 {
		first, last = time.Time{}, time.Time{}
		for _, w := range r.Calendar.Weeks {
			if slices.Contains(window.WeekNumbers, int32(w.Number)) {
				if first.IsZero() || w.Monday.Before(first) {
					first = w.Monday
				}
				if end := w.Monday.AddDate(0, 0, 6); end.After(last) {
					last = end
				}
			}
		}
	}
	if first.Before(today) {
		first = today
	}
	if max := first.AddDate(0, 0, maxSlotDays-1); last.After(max) {
		last = max
	}
	if last.Before(first) {
		last = first
	}
	return first, last
}
