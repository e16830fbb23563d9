// Package invoicingtest builds a school to bill, for Invoicing's tests and
// the billing benchmark (bench/billing.go): families with their students
// enrolled in the classes of a priced term. What Booking owns (settings,
// rooms, instruments, teachers, the term, its week pattern, its classes and
// the enrolments) is made through Booking's API, so its sessions and the
// weeks it bills are Booking's own; families and students, of which a
// benchmark needs thousands and no rule of Booking's depends, are written
// in SQL, as are the billing settings and the price list.
package invoicingtest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
)

// Rate is a rate of the term's price list, in minor units: for the
// instrument named Instrument, or the default when it is "".
type Rate struct {
	Instrument                string
	GroupWeek, IndividualWeek int64
}

// DefaultRates are $35.00 a group week and $50.00 an individual week, and
// more for piano.
var DefaultRates = []Rate{
	{GroupWeek: 3500, IndividualWeek: 5000},
	{Instrument: "Piano", GroupWeek: 3800, IndividualWeek: 5500},
}

// Spec is the school to build.
type Spec struct {
	// Families to enrol: each has a student, every third a second.
	Families int
	// Zone and Currency are the school's; "Australia/Sydney" and "AUD" when
	// empty.
	Zone, Currency string
	// Rates are the term's price list; DefaultRates when nil.
	Rates []Rate
	// Concurrency bounds the enrolments made at once; 0 means 8.
	Concurrency int
}

// The term: ten weeks of which the fourth and the eighth are individual
// weeks, so each enrolment bills 8 group and 2 individual weeks.
const (
	TermStart       = "2027-02-01"
	TermEnd         = "2027-04-09"
	GroupWeeks      = 8
	IndividualWeeks = 2
)

// instruments are the school's, one per teacher pair; classes cycle over
// them.
var instruments = []struct {
	name string
	kind bookingv1.Instrument_Kind
}{
	{"Piano", bookingv1.Instrument_KIND_KEYBOARD}, {"Guitar", bookingv1.Instrument_KIND_STRINGS},
	{"Violin", bookingv1.Instrument_KIND_STRINGS}, {"Voice", bookingv1.Instrument_KIND_VOICE},
}

// teachers is how many teachers (each with a room of their own) teach a
// class on each weekday, Monday to Friday: 40 classes.
const teachers = 8

// classCapacity holds every enrolment of 2,000 families (2,667 students)
// in 40 classes with room to spare.
const classCapacity = 100

// School is the built school.
type School struct {
	TenantID uuid.UUID
	// Term is "tenants/{tenant}/terms/{term}".
	Term   string
	TermID uuid.UUID
	// Families are the families' ids in the order they were made.
	Families []uuid.UUID
	// Enrolments counts the students' enrolments.
	Enrolments int
	Currency   string
}

// Build builds spec's school in tenant, an existing school tenant whose
// admin's credentials admin carries, over conn (steward-booking) and owner
// (the database as its owner role, for what is written in SQL).
func Build(ctx context.Context, owner dbtest.Beginner, conn grpc.ClientConnInterface, admin context.Context, tenant uuid.UUID, spec Spec) (*School, error) {
	if spec.Zone == "" {
		spec.Zone = "Australia/Sydney"
	}
	if spec.Currency == "" {
		spec.Currency = "AUD"
	}
	if spec.Rates == nil {
		spec.Rates = DefaultRates
	}
	if spec.Concurrency == 0 {
		spec.Concurrency = 8
	}
	dir, terms := bookingv1.NewDirectoryServiceClient(conn), bookingv1.NewTermServiceClient(conn)
	parent := "tenants/" + tenant.String()
	s := &School{TenantID: tenant, Currency: spec.Currency}

	if _, err := dir.UpdateSchoolSettings(admin, &bookingv1.UpdateSchoolSettingsRequest{
		Settings:   &bookingv1.SchoolSettings{Name: parent + "/settings", TimeZone: spec.Zone, CurrencyCode: spec.Currency},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone", "currency_code"}},
	}); err != nil {
		return nil, fmt.Errorf("invoicingtest: settings: %w", err)
	}
	instrumentNames := map[string]string{}
	for _, in := range instruments {
		got, err := dir.CreateInstrument(admin, &bookingv1.CreateInstrumentRequest{Parent: parent,
			Instrument: &bookingv1.Instrument{DisplayName: in.name, Kind: in.kind}})
		if err != nil {
			return nil, fmt.Errorf("invoicingtest: instrument: %w", err)
		}
		instrumentNames[in.name] = got.GetName()
	}
	members, err := teacherMembers(ctx, owner, tenant)
	if err != nil {
		return nil, err
	}
	var teacherNames, roomNames []string
	for i, m := range members {
		t, err := dir.CreateTeacher(admin, &bookingv1.CreateTeacherRequest{Parent: parent, Teacher: &bookingv1.Teacher{
			Member: parent + "/members/" + m.String(), DisplayName: fmt.Sprintf("Teacher %d", i+1)}})
		if err != nil {
			return nil, fmt.Errorf("invoicingtest: teacher: %w", err)
		}
		r, err := dir.CreateRoom(admin, &bookingv1.CreateRoomRequest{Parent: parent,
			Room: &bookingv1.Room{DisplayName: fmt.Sprintf("Studio %d", i+1), Capacity: classCapacity}})
		if err != nil {
			return nil, fmt.Errorf("invoicingtest: room: %w", err)
		}
		teacherNames, roomNames = append(teacherNames, t.GetName()), append(roomNames, r.GetName())
	}
	term, err := terms.CreateTerm(admin, &bookingv1.CreateTermRequest{Parent: parent,
		Term: &bookingv1.Term{DisplayName: "Term 1 2027", StartDate: TermStart, EndDate: TermEnd}})
	if err != nil {
		return nil, fmt.Errorf("invoicingtest: term: %w", err)
	}
	s.Term = term.GetName()
	if s.TermID, err = uuid.Parse(s.Term[len(parent)+len("/terms/"):]); err != nil {
		return nil, err
	}
	pattern := make([]bookingv1.WeekKind, GroupWeeks+IndividualWeeks)
	for i := range pattern {
		pattern[i] = bookingv1.WeekKind_WEEK_KIND_GROUP
		if i == 3 || i == 7 {
			pattern[i] = bookingv1.WeekKind_WEEK_KIND_INDIVIDUAL
		}
	}
	if _, err := terms.UpdateWeekPattern(admin, &bookingv1.UpdateWeekPatternRequest{
		WeekPattern: &bookingv1.WeekPattern{Name: s.Term + "/weekPattern", Weeks: pattern}}); err != nil {
		return nil, fmt.Errorf("invoicingtest: week pattern: %w", err)
	}
	// Teacher t teaches in room t at 16:00 every weekday: no teacher or
	// room is anywhere twice at once.
	var classes []string
	for weekday := int32(1); weekday <= 5; weekday++ {
		for t := range teachers {
			in := instruments[t%len(instruments)].name
			c, err := terms.CreateClass(admin, &bookingv1.CreateClassRequest{Parent: parent, Class: &bookingv1.Class{
				Term: s.Term, DisplayName: fmt.Sprintf("%s %c", in, 'A'+rune(len(classes)/len(instruments))), Instrument: instrumentNames[in],
				Teacher: teacherNames[t], Room: roomNames[t], Weekday: weekday, StartTime: "16:00",
				GroupMinutes: 45, IndividualMinutes: 20, Capacity: classCapacity}})
			if err != nil {
				return nil, fmt.Errorf("invoicingtest: class: %w", err)
			}
			classes = append(classes, c.GetName())
		}
	}

	students, err := writeFamilies(ctx, owner, s, spec.Families)
	if err != nil {
		return nil, err
	}
	if err := writePrices(ctx, owner, s, spec.Rates); err != nil {
		return nil, err
	}
	// Each student in one class, spread over the classes.
	type enrolment struct{ class, student string }
	var todo []enrolment
	for i, st := range students {
		todo = append(todo, enrolment{classes[(i*7)%len(classes)], parent + "/families/" + st.family.String() + "/students/" + st.id.String()})
	}
	s.Enrolments = len(todo)
	work := make(chan enrolment)
	errs := make(chan error, spec.Concurrency)
	var wg sync.WaitGroup
	for range spec.Concurrency {
		wg.Go(func() {
			for e := range work {
				if _, err := terms.CreateEnrolment(admin, &bookingv1.CreateEnrolmentRequest{Parent: e.class,
					Enrolment: &bookingv1.Enrolment{Student: e.student}}); err != nil {
					errs <- fmt.Errorf("invoicingtest: enrol %s in %s: %w", e.student, e.class, err)
					return
				}
			}
		})
	}
	var sendErr error
send:
	for _, e := range todo {
		select {
		case work <- e:
		case sendErr = <-errs:
			break send
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		sendErr = errors.Join(sendErr, err)
	}
	if sendErr != nil {
		return nil, sendErr
	}
	return s, nil
}

// teacherMembers writes the school's teachers' accounts and TEACHER
// memberships.
func teacherMembers(ctx context.Context, owner dbtest.Beginner, tenant uuid.UUID) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, teachers)
	err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: tenant}, func(tx pgx.Tx) error {
		for i := range ids {
			ids[i] = uuid.New()
			if _, err := tx.Exec(ctx, `INSERT INTO accounts.users (user_id, issuer, subject, email, display_name)
				VALUES ($1, 'https://teachers.invalid', $2, $2 || '@teachers.invalid', $3)`, ids[i], ids[i].String(), fmt.Sprintf("Teacher %d", i+1)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO accounts.memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3)`,
				tenant, ids[i], []string{"teacher"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("invoicingtest: teachers: %w", err)
	}
	return ids, nil
}

type student struct{ id, family uuid.UUID }

// Names for families and students, cycled.
var (
	lastNames  = []string{"Nguyen", "Smith", "Patel", "Williams", "Chen", "Brown", "Kowalski", "Jones", "Okafor", "Taylor", "Rossi", "Wilson"}
	givenNames = []string{"Mia", "Noah", "Ava", "Leo", "Isla", "Oscar", "Ruby", "Kai", "Zara", "Theo", "Hazel", "Arjun", "Nora", "Finn"}
)

// writeFamilies writes n families, each with a student and every third
// with a second, in two statements (COPY does not pass row-level
// security).
func writeFamilies(ctx context.Context, owner dbtest.Beginner, s *School, n int) ([]student, error) {
	var familyNames, billingNames, emails, givens, lasts []string
	var studentFamilies []uuid.UUID
	var out []student
	for i := range n {
		f := uuid.New()
		last := lastNames[i%len(lastNames)]
		s.Families = append(s.Families, f)
		familyNames = append(familyNames, fmt.Sprintf("The %s family (%d)", last, i+1))
		billingNames, emails = append(billingNames, "Alex "+last), append(emails, fmt.Sprintf("family%d@families.invalid", i+1))
		children := 1
		if i%3 == 0 {
			children = 2
		}
		for c := range children {
			out = append(out, student{id: uuid.New(), family: f})
			studentFamilies = append(studentFamilies, f)
			givens, lasts = append(givens, givenNames[(i+c*5)%len(givenNames)]), append(lasts, last)
		}
	}
	studentIDs := make([]uuid.UUID, len(out))
	for i, st := range out {
		studentIDs[i] = st.id
	}
	err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: s.TenantID}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO booking.families (tenant_id, family_id, display_name, billing_name, billing_email)
			SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[])`,
			s.TenantID, s.Families, familyNames, billingNames, emails); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO booking.students (tenant_id, family_id, student_id, given_name, family_name)
			SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[])`,
			s.TenantID, studentFamilies, studentIDs, givens, lasts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("invoicingtest: families: %w", err)
	}
	return out, nil
}

// writePrices writes the school's billing settings (GST 10%, prices
// tax-inclusive, rounded per invoice) and the term's price list.
func writePrices(ctx context.Context, owner dbtest.Beginner, s *School, rates []Rate) error {
	list := uuid.New()
	err := dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: s.TenantID}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO invoicing.billing_settings (tenant_id, legal_name, tax_id)
			VALUES ($1, 'Harbour Music Academy Pty Ltd', 'ABN 47 820 915 634')`, s.TenantID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invoicing.price_lists (tenant_id, price_list_id, term_id, display_name, currency)
			VALUES ($1, $2, $3, 'Term 1 2027 fees', $4)`, s.TenantID, list, s.TermID, s.Currency); err != nil {
			return err
		}
		for i, r := range rates {
			var instrument uuid.NullUUID
			if r.Instrument != "" {
				if err := tx.QueryRow(ctx, `SELECT instrument_id FROM booking.instruments WHERE tenant_id = $1 AND display_name = $2`,
					s.TenantID, r.Instrument).Scan(&instrument); err != nil {
					return fmt.Errorf("instrument %s: %w", r.Instrument, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO invoicing.price_rates (tenant_id, price_list_id, position, instrument_id, group_week_minor, individual_week_minor)
				VALUES ($1, $2, $3, $4, $5, $6)`, s.TenantID, list, i+1, instrument, r.GroupWeek, r.IndividualWeek); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("invoicingtest: prices: %w", err)
	}
	return nil
}
