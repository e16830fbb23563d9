// Package bookingsrc is what Invoicing reads of Booking and Accounts, over
// their APIs (never their tables): a term's billable enrolments as
// pricing.Enrolment, a family's name and billing contact, the school's time
// zone and the tenant's display name. Calls carry whatever credentials the
// context does: the caller's, relayed, while serving a request; the
// service's own in a job (jobs.ForTenant).
package bookingsrc

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/invoicing/internal/pricing"
)

// The Booking resources Invoicing names.
var (
	familyPattern     = resname.Of(&bookingv1.Family{})
	studentPattern    = resname.Of(&bookingv1.Student{})
	classPattern      = resname.Of(&bookingv1.Class{})
	instrumentPattern = resname.Of(&bookingv1.Instrument{})
	termPattern       = resname.Of(&bookingv1.Term{})
	settingsPattern   = resname.Of(&bookingv1.SchoolSettings{})
	tenantPattern     = resname.Of(&accountsv1.Tenant{})
)

// Source reads Booking and Accounts.
type Source struct {
	directory bookingv1.DirectoryServiceClient
	terms     bookingv1.TermServiceClient
	tenants   accountsv1.TenantServiceClient
}

// New returns a Source over connections to steward-booking and
// steward-accounts.
func New(booking, accounts grpc.ClientConnInterface) *Source {
	return &Source{directory: bookingv1.NewDirectoryServiceClient(booking), terms: bookingv1.NewTermServiceClient(booking),
		tenants: accountsv1.NewTenantServiceClient(accounts)}
}

// Billable is one enrolment to bill: the family's, priced by pricing.
type Billable struct {
	FamilyID          uuid.UUID
	FamilyDisplayName string
	pricing.Enrolment
}

// pageSize is the page Booking is asked for: its largest.
const pageSize = 1000

// Enrolments are the term's billable enrolments, ordered by family, student
// and class; family, when set, narrows them to one family.
func (s *Source) Enrolments(ctx context.Context, tenant, term uuid.UUID, family uuid.NullUUID) ([]Billable, error) {
	req := &bookingv1.ListBillableEnrolmentsRequest{Parent: termPattern.Format(tenant, term), PageSize: pageSize}
	if family.Valid {
		req.Filter = fmt.Sprintf("family = %q", familyPattern.Format(tenant, family.UUID))
	}
	var out []Billable
	for {
		resp, err := s.terms.ListBillableEnrolments(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetBillableEnrolments() {
			b, err := billable(e)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

func billable(e *bookingv1.BillableEnrolment) (Billable, error) {
	family, err := familyPattern.Parse("family", e.GetFamily())
	if err != nil {
		return Billable{}, fmt.Errorf("bookingsrc: %w", err)
	}
	student, err := studentPattern.Parse("student", e.GetStudent())
	if err != nil {
		return Billable{}, fmt.Errorf("bookingsrc: %w", err)
	}
	class, err := classPattern.Parse("class", e.GetClass())
	if err != nil {
		return Billable{}, fmt.Errorf("bookingsrc: %w", err)
	}
	var instrument uuid.UUID
	if e.GetInstrument() != "" {
		n, err := instrumentPattern.Parse("instrument", e.GetInstrument())
		if err != nil {
			return Billable{}, fmt.Errorf("bookingsrc: %w", err)
		}
		instrument = n.ID("instrument")
	}
	return Billable{FamilyID: family.ID("family"), FamilyDisplayName: e.GetFamilyDisplayName(), Enrolment: pricing.Enrolment{
		StudentID: student.ID("student"), ClassID: class.ID("class"), InstrumentID: instrument,
		StudentName: e.GetStudentDisplayName(), ClassName: e.GetClassDisplayName(), InstrumentName: e.GetInstrumentDisplayName(),
		GroupWeeks: int64(e.GetGroupWeeks()), IndividualWeeks: int64(e.GetIndividualWeeks()),
	}}, nil
}

// Family is what an invoice says of the family billed.
type Family struct {
	DisplayName string
	// The billing contact, whom invoices and receipts are sent to.
	BillingName, BillingEmail, BillingPhone string
	// Address is the family's postal address, one line each.
	Address []string
}

// Family reads a family of the directory (NOT_FOUND when the caller may
// not see it).
func (s *Source) Family(ctx context.Context, tenant, family uuid.UUID) (Family, error) {
	f, err := s.directory.GetFamily(ctx, &bookingv1.GetFamilyRequest{Name: familyPattern.Format(tenant, family)})
	if err != nil {
		return Family{}, err
	}
	a := f.GetAddress()
	lines := append([]string{}, a.GetLines()...)
	if place := joinNonEmpty(" ", a.GetLocality(), a.GetAdministrativeArea(), a.GetPostalCode()); place != "" {
		lines = append(lines, place)
	}
	c := f.GetBillingContact()
	return Family{DisplayName: f.GetDisplayName(), BillingName: c.GetDisplayName(), BillingEmail: c.GetEmail(),
		BillingPhone: c.GetPhone(), Address: lines}, nil
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}

// School is what Invoicing needs of the school's settings.
type School struct {
	// Zone is the school's time zone: issue and due dates are its dates.
	Zone *time.Location
	// Currency is the currency the school invoices in ("" when unset).
	Currency string
}

// School reads the school's settings from Booking.
func (s *Source) School(ctx context.Context, tenant uuid.UUID) (School, error) {
	st, err := s.directory.GetSchoolSettings(ctx, &bookingv1.GetSchoolSettingsRequest{Name: settingsPattern.Format(tenant)})
	if err != nil {
		return School{}, err
	}
	if st.GetTimeZone() == "" {
		return School{}, fmt.Errorf("bookingsrc: the school %s has no time zone", tenant)
	}
	zone, err := aip.LoadTimeZone(st.GetTimeZone())
	if err != nil {
		return School{}, fmt.Errorf("bookingsrc: the school's time zone %q: %w", st.GetTimeZone(), err)
	}
	return School{Zone: zone, Currency: st.GetCurrencyCode()}, nil
}

// TenantName is the tenant's display name in Accounts: the school's name
// on invoices unless the billing settings give a legal name.
func (s *Source) TenantName(ctx context.Context, tenant uuid.UUID) (string, error) {
	t, err := s.tenants.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: tenantPattern.Format(tenant)})
	if err != nil {
		return "", err
	}
	return t.GetDisplayName(), nil
}
