package invoicing_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"steward.dev/db/dbtest"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
	"steward.dev/services/booking"
	"steward.dev/services/invoicing"
)

// clock is the invoicing server's time, which a test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// fixture is Accounts, Booking and Invoicing served as main serves them,
// sharing a database and an issuer, Invoicing on a clock the test sets.
type fixture struct {
	t         *testing.T
	env       *servertest.Env
	clock     *clock
	app       *tenantdb.DB // as the services connect, for the ledger called as the billing run does
	directory bookingv1.DirectoryServiceClient
	terms     bookingv1.TermServiceClient
	prices    invoicingv1.PriceServiceClient
	invoices  invoicingv1.InvoiceServiceClient
	payments  invoicingv1.PaymentServiceClient
}

func setup(t *testing.T, now time.Time) *fixture {
	t.Helper()
	env := servertest.New(t)
	_, accountsAddr := env.ServeAt(t, accounts.Services)
	bookingConn, bookingAddr := env.ServeAt(t, booking.Services)
	c := &clock{t: now}
	conn := env.Serve(t, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return invoicing.ServicesWithClock(c.now)(catalog.Env{DB: db, Logger: env.Logger, DataDir: t.TempDir(),
			Targets: map[string]string{"accounts": accountsAddr, "booking": bookingAddr}})
	})
	pool, err := pgxpool.New(context.Background(), env.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &fixture{t: t, env: env, clock: c, app: tenantdb.New(pool),
		directory: bookingv1.NewDirectoryServiceClient(bookingConn), terms: bookingv1.NewTermServiceClient(bookingConn),
		prices: invoicingv1.NewPriceServiceClient(conn), invoices: invoicingv1.NewInvoiceServiceClient(conn),
		payments: invoicingv1.NewPaymentServiceClient(conn)}
}

// school is a school with a directory: the Garcia family (Mia, Leo) and the
// Novak family (Ava), a piano, a teacher and a room; its PARENTs, a TEACHER
// and a STUDENT.
type school struct {
	f                *fixture
	id               uuid.UUID
	name             string
	admin            context.Context //nolint:containedctx // a test fixture: the school's ADMIN calling
	garciaParent     context.Context //nolint:containedctx // the Garcia family's PARENT
	novakParent      context.Context //nolint:containedctx // the Novak family's PARENT
	teacher, student context.Context //nolint:containedctx // a TEACHER and a STUDENT
	garcia, novak    *bookingv1.Family
	mia, leo, ava    *bookingv1.Student
	piano            *bookingv1.Instrument
	teacherRes       *bookingv1.Teacher
	room             *bookingv1.Room
}

func (f *fixture) as(u servertest.User) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	f.t.Cleanup(cancel)
	return f.env.As(ctx, f.t, u)
}

// school creates a school in zone (its lessons' and invoices' time zone).
func (f *fixture) school(zone string) *school {
	t := f.t
	t.Helper()
	s := &school{f: f, id: f.env.Tenant(t, "school")}
	s.name = "tenants/" + s.id.String()
	s.admin = f.as(f.env.User(t, s.id, "admin"))
	must(f.directory.UpdateSchoolSettings(s.admin, &bookingv1.UpdateSchoolSettingsRequest{
		Settings:   &bookingv1.SchoolSettings{Name: s.name + "/settings", TimeZone: zone, CurrencyCode: "AUD"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"time_zone", "currency_code"}}}))(t)
	s.piano = must(f.directory.CreateInstrument(s.admin, &bookingv1.CreateInstrumentRequest{Parent: s.name,
		Instrument: &bookingv1.Instrument{DisplayName: "Piano", Kind: bookingv1.Instrument_KIND_KEYBOARD}}))(t)
	s.garcia = s.family("The Garcia family")
	s.novak = s.family("The Novak family")
	s.mia = s.newStudent(s.garcia, "Mia")
	s.leo = s.newStudent(s.garcia, "Leo")
	s.ava = s.newStudent(s.novak, "Ava")
	s.garciaParent = f.as(f.env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.garcia.GetName())}))
	s.novakParent = f.as(f.env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"parent"}, Family: idOf(s.novak.GetName())}))
	s.student = f.as(f.env.Member(t, s.id, servertest.MemberSpec{Roles: []string{"student"}, Student: idOf(s.mia.GetName())}))
	teacherUser := f.env.User(t, s.id, "teacher")
	s.teacher = f.as(teacherUser)
	s.teacherRes = must(f.directory.CreateTeacher(s.admin, &bookingv1.CreateTeacherRequest{Parent: s.name, Teacher: &bookingv1.Teacher{
		Member: s.name + "/members/" + teacherUser.ID.String(), DisplayName: "Elena Vasquez"}}))(t)
	s.room = must(f.directory.CreateRoom(s.admin, &bookingv1.CreateRoomRequest{Parent: s.name, Room: &bookingv1.Room{DisplayName: "Studio A", Capacity: 20}}))(t)
	return s
}

func (s *school) family(name string) *bookingv1.Family {
	return must(s.f.directory.CreateFamily(s.admin, &bookingv1.CreateFamilyRequest{Parent: s.name, Family: &bookingv1.Family{
		DisplayName: name, BillingContact: &bookingv1.BillingContact{DisplayName: "Maria Garcia", Email: "maria@family.example"}}}))(s.f.t)
}

func (s *school) newStudent(f *bookingv1.Family, given string) *bookingv1.Student {
	return must(s.f.directory.CreateStudent(s.admin, &bookingv1.CreateStudentRequest{Parent: f.GetName(), Student: &bookingv1.Student{
		GivenName: given, FamilyName: "Garcia", BirthYear: 2015, Level: bookingv1.Student_LEVEL_BEGINNER, Instruments: []string{s.piano.GetName()}}}))(s.f.t)
}

func aud(minor int64) *typev1.Money { return &typev1.Money{CurrencyCode: "AUD", AmountMinor: minor} }

func usd(minor int64) *typev1.Money { return &typev1.Money{CurrencyCode: "USD", AmountMinor: minor} }

// custom is a custom invoice's request: lines of its own, no term.
func (s *school) custom(family *bookingv1.Family, lines ...*invoicingv1.InvoiceLine) *invoicingv1.CreateInvoiceRequest {
	return &invoicingv1.CreateInvoiceRequest{Parent: s.name, Invoice: &invoicingv1.Invoice{Family: family.GetName(), CurrencyCode: "AUD", Lines: lines}}
}

func charge(desc string, qty int32, unit int64) *invoicingv1.InvoiceLine {
	return &invoicingv1.InvoiceLine{Kind: invoicingv1.InvoiceLine_KIND_CUSTOM, Description: desc, Quantity: qty, UnitAmount: aud(unit)}
}

// draft creates a custom draft of one charge of amount for family.
func (s *school) draft(family *bookingv1.Family, amount int64) *invoicingv1.Invoice {
	return must(s.f.invoices.CreateInvoice(s.admin, s.custom(family, charge("Exam entry fee", 1, amount))))(s.f.t)
}

// issued is draft, issued.
func (s *school) issued(family *bookingv1.Family, amount int64) *invoicingv1.Invoice {
	inv := s.draft(family, amount)
	return must(s.f.invoices.IssueInvoice(s.admin, &invoicingv1.IssueInvoiceRequest{Name: inv.GetName()}))(s.f.t)
}

func (s *school) pay(invoice string, amount int64) (*invoicingv1.Payment, error) {
	return s.f.payments.RecordPayment(s.admin, &invoicingv1.RecordPaymentRequest{Parent: invoice,
		Payment: &invoicingv1.Payment{Amount: aud(amount), Method: invoicingv1.Payment_METHOD_BANK_TRANSFER, Reference: "EFT 123"}})
}

// query reads one row as the school (row-level security binds it).
func (s *school) query(sql string, args []any, dest ...any) {
	s.f.t.Helper()
	dbtest.QueryRowAsTenant(s.f.t, s.f.env.Owner, s.id, sql, args, dest...)
}

// idOf is the last id of a resource name.
func idOf(name string) uuid.UUID { return uuid.MustParse(name[strings.LastIndex(name, "/")+1:]) }

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// refused checks that err has code and, when reason is not "", that
// ErrorInfo reason.
func refused(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || (reason != "" && apierror.ReasonOf(err) != reason) {
		t.Errorf("%s: %v (reason %q); want %v %s", what, err, apierror.ReasonOf(err), code, reason)
	}
}
