package dbtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Victim is a tenant with one row in every tenant table, all created with
// the same request_id, so that any id a query can take names one of its
// rows. See NewVictim.
type Victim struct {
	TenantID, UserID                                     uuid.UUID
	HomeID, LocationID, AssetID, ReadingID, AttachmentID uuid.UUID
	RequestID                                            uuid.UUID
	Meter, CategoryID                                    string
	// The accounts rows of joining (an invitation; the directory family and
	// student on the membership) and the school directory's (schema booking).
	InvitationID, RoomID, InstrumentID, TeacherID, FamilyID, StudentID uuid.UUID
	// The schedule's (schema booking): a term and its class, an enrolment,
	// a window, a booked session with its attendee, a make-up credit, an
	// audit event and a calendar feed.
	TermID, ClassID, EnrolmentID, WindowID, BookingID, SessionID, CreditID, EventID, FeedID uuid.UUID
	// The platform's outbox (schema outbox): a message with an attachment,
	// under DedupeKey.
	MessageID uuid.UUID
	DedupeKey string
	// Maintenance's (schema maintenance): a plan of the victim's asset and
	// its task; the facts copied from Assets reuse the home, asset and
	// reading ids above.
	PlanID, TaskID uuid.UUID
	// Invoicing's (schema invoicing): a price list of the term with a
	// rate, a billing run, an issued invoice of the family drafted by it
	// with a line, a credit note, a Stripe payment with its Checkout
	// Session and event; Stripe's ids are text.
	PriceListID, RunID, InvoiceID, CreditNoteID, PaymentID uuid.UUID
	StripeSessionID, StripeEventID, StripePaymentRef       string
}

// Values are the victim's values by the field names sqlc gives query
// parameters.
func (v Victim) Values() map[string]any {
	return map[string]any{
		"UserID": v.UserID, "HomeID": v.HomeID, "LocationID": v.LocationID, "AssetID": v.AssetID,
		"ReadingID": v.ReadingID, "AttachmentID": v.AttachmentID, "RequestID": v.RequestID, "Meter": v.Meter,
		"CategoryID": v.CategoryID,
		"RoomID":     v.RoomID, "InstrumentID": v.InstrumentID, "TeacherID": v.TeacherID, "FamilyID": v.FamilyID, "StudentID": v.StudentID,
		"Ids": []uuid.UUID{v.InstrumentID}, "InstrumentIds": []uuid.UUID{v.InstrumentID}, "AddressLines": []string{},
		// The directory's callers who see every family: only tenant_id
		// stands between them and another tenant's rows.
		"ViewerAll": true, "ViewerFamily": v.FamilyID, "ViewerStudent": v.StudentID, "ViewerTeacher": v.TeacherID,
		// Who did it, on the schedule's rows: the victim's user.
		"ActorUserID": v.UserID, "CreatedBy": v.UserID, "BookedBy": v.UserID, "AttendanceBy": v.UserID,
		// The negated filters name the victim's rows too; the variant with
		// optional filters off (NULL) is the one that matters for them.
		"LocationIDNot": v.LocationID,
		"InvitationID":  v.InvitationID, "FamilyIDNot": v.FamilyID,
		"AcceptedUserID": v.UserID, "InviterUserID": v.UserID,
		"TermID": v.TermID, "ClassID": v.ClassID, "EnrolmentID": v.EnrolmentID, "WindowID": v.WindowID,
		"BookingID": v.BookingID, "SessionID": v.SessionID, "CreditID": v.CreditID, "EventID": v.EventID, "FeedID": v.FeedID,
		"SourceSessionID": v.SessionID, "UsedSessionID": v.SessionID, "MakeupCreditID": v.CreditID, "ClassIds": []uuid.UUID{v.ClassID},
		"SessionIds": []uuid.UUID{v.SessionID}, "StudentIds": []uuid.UUID{v.StudentID},
		// Assets' change feed reads the rows a page of changes names.
		"HomeIds": []uuid.UUID{v.HomeID}, "AssetIds": []uuid.UUID{v.AssetID}, "ReadingIds": []uuid.UUID{v.ReadingID},
		// Maintenance's: a template of the shared catalogue, and who did
		// the work on a task.
		"PlanID": v.PlanID, "TaskID": v.TaskID, "TaskIds": []uuid.UUID{v.TaskID}, "TemplateID": "boiler-service",
		"StartedBy": v.UserID, "CompletedBy": v.UserID, "ClosedBy": v.UserID,
		// The maintenance dashboard's homes (HomeIds), each with its today
		// and its spend months, as parallel arrays; FeedID names its
		// calendar feed too.
		"Todays": []pgtype.Date{{Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Valid: true}},
		"Months": []string{"2030-01"}, "Starts": []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		"Ends": []time.Time{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
		// The facts' own values, which CHECK constraints restrict.
		"Source": "assets", "Hemisphere": "north",
		"MessageID": v.MessageID, "DedupeKey": v.DedupeKey, "Service": "victim",
		// Invoicing's, and the number series and year of its sequence row.
		"PriceListID": v.PriceListID, "PriceListIds": []uuid.UUID{v.PriceListID}, "RunID": v.RunID, "BillingRunID": v.RunID,
		"InvoiceID": v.InvoiceID, "InvoiceIds": []uuid.UUID{v.InvoiceID}, "CreditNoteID": v.CreditNoteID, "PaymentID": v.PaymentID,
		"StripeSessionID": v.StripeSessionID, "StripeEventID": v.StripeEventID, "StripePaymentRef": v.StripePaymentRef,
		"Series": "invoice", "Year": int32(2030), "RecordedBy": v.UserID, "TaxID": "ABN 00 000 000 000",
	}
}

// NewVictim writes a fresh victim tenant over db, a connection that may
// write every tenant's rows (BypassRLSPool). A new tenant table needs a row
// here, or CheckFirstWall fails.
func NewVictim(t testing.TB, db Beginner) Victim {
	t.Helper()
	v := Victim{
		TenantID: uuid.New(), UserID: uuid.New(), HomeID: uuid.New(), LocationID: uuid.New(), AssetID: uuid.New(),
		ReadingID: uuid.New(), AttachmentID: uuid.New(), RequestID: uuid.New(), Meter: "runtime", CategoryID: "hvac-boiler",
		InvitationID: uuid.New(), RoomID: uuid.New(), InstrumentID: uuid.New(), TeacherID: uuid.New(), FamilyID: uuid.New(), StudentID: uuid.New(),
		TermID: uuid.New(), ClassID: uuid.New(), EnrolmentID: uuid.New(), WindowID: uuid.New(), BookingID: uuid.New(),
		SessionID: uuid.New(), CreditID: uuid.New(), EventID: uuid.New(), FeedID: uuid.New(),
		MessageID: uuid.New(), DedupeKey: "victim/reminder",
		PlanID: uuid.New(), TaskID: uuid.New(),
		PriceListID: uuid.New(), RunID: uuid.New(), InvoiceID: uuid.New(), CreditNoteID: uuid.New(), PaymentID: uuid.New(),
		StripeSessionID: "cs_victim", StripeEventID: "evt_victim", StripePaymentRef: "pi_victim",
	}
	ExecAsTenant(t, db, v.TenantID, "INSERT INTO accounts.users (user_id, issuer, subject, email, display_name) VALUES ($1, 'https://victim.test', $2, 'victim@example.com', 'Victim')",
		v.UserID, v.UserID.String())
	writeTenantRows(t, db, v)
	return v
}

// writeTenantRows writes v's tenant and one row of it in every tenant table;
// v's user must exist.
func writeTenantRows(t testing.TB, db Beginner, v Victim) {
	t.Helper()
	stmts := []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'Victim')", []any{v.TenantID}},
		{"INSERT INTO accounts.memberships (tenant_id, user_id, roles, family_id, student_id) VALUES ($1, $2, '{owner}', $3, $4)", []any{v.TenantID, v.UserID, v.FamilyID, v.StudentID}},
		{`INSERT INTO accounts.invitations (tenant_id, invitation_id, email, roles, family_id, student_id, inviter_user_id, expire_time, request_id)
			VALUES ($1, $2, 'victim@example.com', '{member}', $3, $4, $5, now() + interval '1 day', $6)`,
			[]any{v.TenantID, v.InvitationID, v.FamilyID, v.StudentID, v.UserID, v.RequestID}},
		{"INSERT INTO assets.homes (tenant_id, home_id, display_name, time_zone, request_id) VALUES ($1, $2, 'Victim home', 'UTC', $3)",
			[]any{v.TenantID, v.HomeID, v.RequestID}},
		{"INSERT INTO assets.locations (tenant_id, home_id, location_id, display_name, request_id) VALUES ($1, $2, $3, 'Victim room', $4)",
			[]any{v.TenantID, v.HomeID, v.LocationID, v.RequestID}},
		{`INSERT INTO assets.assets (tenant_id, home_id, asset_id, display_name, category_id, location_id, warranty_expiry_date, request_id)
			VALUES ($1, $2, $3, 'Victim boiler', $4, $5, '2030-01-01', $6)`,
			[]any{v.TenantID, v.HomeID, v.AssetID, v.CategoryID, v.LocationID, v.RequestID}},
		{`INSERT INTO assets.meter_readings (tenant_id, asset_id, reading_id, meter, unit, value, read_time, request_id)
			VALUES ($1, $2, $3, $4, 'hours', 10, now(), $5)`, []any{v.TenantID, v.AssetID, v.ReadingID, v.Meter, v.RequestID}},
		{`INSERT INTO assets.attachments (tenant_id, asset_id, attachment_id, kind, filename, content_type, size_bytes, sha256, blob_key, request_id)
			VALUES ($1, $2, $3, 'manual', 'm.pdf', 'application/pdf', 1, repeat('a', 64), 'victim-blob', $4)`,
			[]any{v.TenantID, v.AssetID, v.AttachmentID, v.RequestID}},
		{"INSERT INTO booking.settings (tenant_id) VALUES ($1)", []any{v.TenantID}},
		{"INSERT INTO booking.rooms (tenant_id, room_id, display_name, capacity, request_id) VALUES ($1, $2, 'Victim studio', 2, $3)",
			[]any{v.TenantID, v.RoomID, v.RequestID}},
		{"INSERT INTO booking.instruments (tenant_id, instrument_id, display_name, kind, request_id) VALUES ($1, $2, 'Victim piano', 'keyboard', $3)",
			[]any{v.TenantID, v.InstrumentID, v.RequestID}},
		{`INSERT INTO booking.teachers (tenant_id, teacher_id, user_id, display_name, instrument_ids, request_id)
			VALUES ($1, $2, $3, 'Victim teacher', $4, $5)`, []any{v.TenantID, v.TeacherID, v.UserID, []uuid.UUID{v.InstrumentID}, v.RequestID}},
		{"INSERT INTO booking.families (tenant_id, family_id, display_name, request_id) VALUES ($1, $2, 'Victim family', $3)",
			[]any{v.TenantID, v.FamilyID, v.RequestID}},
		{`INSERT INTO booking.students (tenant_id, family_id, student_id, given_name, instrument_ids, request_id)
			VALUES ($1, $2, $3, 'Victim student', $4, $5)`, []any{v.TenantID, v.FamilyID, v.StudentID, []uuid.UUID{v.InstrumentID}, v.RequestID}},
		{`INSERT INTO booking.terms (tenant_id, term_id, display_name, start_date, end_date, request_id)
			VALUES ($1, $2, 'Victim term', '2030-02-04', '2030-04-12', $3)`, []any{v.TenantID, v.TermID, v.RequestID}},
		{`INSERT INTO booking.term_breaks (tenant_id, term_id, break_number, display_name, start_date, end_date)
			VALUES ($1, $2, 1, 'Victim break', '2030-03-04', '2030-03-08')`, []any{v.TenantID, v.TermID}},
		{`INSERT INTO booking.term_weeks (tenant_id, term_id, week_number, monday, kind)
			VALUES ($1, $2, 1, '2030-02-04', 'individual')`, []any{v.TenantID, v.TermID}},
		{`INSERT INTO booking.classes (tenant_id, class_id, term_id, display_name, instrument_id, teacher_id, room_id, weekday, start_time,
			group_minutes, individual_minutes, capacity, request_id)
			VALUES ($1, $2, $3, 'Victim class', $4, $5, $6, 1, '16:00', 45, 30, 4, $7)`,
			[]any{v.TenantID, v.ClassID, v.TermID, v.InstrumentID, v.TeacherID, v.RoomID, v.RequestID}},
		{`INSERT INTO booking.class_week_overrides (tenant_id, term_id, class_id, week_number, kind) VALUES ($1, $2, $3, 1, 'group')`,
			[]any{v.TenantID, v.TermID, v.ClassID}},
		{`INSERT INTO booking.enrolments (tenant_id, enrolment_id, class_id, student_id, state, request_id) VALUES ($1, $2, $3, $4, 'enrolled', $5)`,
			[]any{v.TenantID, v.EnrolmentID, v.ClassID, v.StudentID, v.RequestID}},
		{"INSERT INTO booking.availability (tenant_id, teacher_id) VALUES ($1, $2)", []any{v.TenantID, v.TeacherID}},
		{`INSERT INTO booking.availability_blocks (tenant_id, teacher_id, block_number, weekday, start_time, end_time, room_id)
			VALUES ($1, $2, 1, 1, '15:00', '19:00', $3)`, []any{v.TenantID, v.TeacherID, v.RoomID}},
		{`INSERT INTO booking.availability_exceptions (tenant_id, teacher_id, exception_number, on_date) VALUES ($1, $2, 1, '2030-02-11')`,
			[]any{v.TenantID, v.TeacherID}},
		{`INSERT INTO booking.booking_windows (tenant_id, window_id, term_id, open_time, close_time, request_id)
			VALUES ($1, $2, $3, now() - interval '1 day', now() + interval '30 days', $4)`, []any{v.TenantID, v.WindowID, v.TermID, v.RequestID}},
		{`INSERT INTO booking.bookings (tenant_id, booking_id, family_id, student_id, class_id, repeat, booked_by, request_id)
			VALUES ($1, $2, $3, $4, $5, 'once', $6, $7)`, []any{v.TenantID, v.BookingID, v.FamilyID, v.StudentID, v.ClassID, v.UserID, v.RequestID}},
		{`INSERT INTO booking.sessions (tenant_id, session_id, kind, term_id, class_id, week_number, teacher_id, room_id, during, booking_id)
			VALUES ($1, $2, 'individual', $3, $4, 1, $5, $6, tstzrange('2030-02-04 15:00Z', '2030-02-04 15:30Z'), $7)`,
			[]any{v.TenantID, v.SessionID, v.TermID, v.ClassID, v.TeacherID, v.RoomID, v.BookingID}},
		{`INSERT INTO booking.session_attendees (tenant_id, session_id, student_id, during, blocking)
			VALUES ($1, $2, $3, tstzrange('2030-02-04 15:00Z', '2030-02-04 15:30Z'), true)`, []any{v.TenantID, v.SessionID, v.StudentID}},
		{`INSERT INTO booking.makeup_credits (tenant_id, credit_id, student_id, source_session_id, expire_time)
			VALUES ($1, $2, $3, $4, '2030-04-05 15:00Z')`, []any{v.TenantID, v.CreditID, v.StudentID, v.SessionID}},
		{`INSERT INTO booking.session_events (tenant_id, event_id, session_id, action, actor_user_id) VALUES ($1, $2, $3, 'booked', $4)`,
			[]any{v.TenantID, v.EventID, v.SessionID, v.UserID}},
		{`INSERT INTO booking.calendar_feeds (tenant_id, feed_id, family_id, secret_hash, created_by)
			VALUES ($1, $2, $3, sha256('victim'), $4)`, []any{v.TenantID, v.FeedID, v.FamilyID, v.UserID}},

		// Maintenance (schema maintenance): the facts copied from Assets,
		// then plans, tasks and parts.
		{"INSERT INTO maintenance.home_facts (tenant_id, home_id, display_name, time_zone) VALUES ($1, $2, 'Victim home', 'UTC')",
			[]any{v.TenantID, v.HomeID}},
		{"INSERT INTO maintenance.asset_facts (tenant_id, asset_id, home_id, display_name, category_id) VALUES ($1, $2, $3, 'Victim boiler', $4)",
			[]any{v.TenantID, v.AssetID, v.HomeID, v.CategoryID}},
		{`INSERT INTO maintenance.reading_facts (tenant_id, asset_id, reading_id, meter, unit, value, read_time)
			VALUES ($1, $2, $3, $4, 'hours', 10, now())`, []any{v.TenantID, v.AssetID, v.ReadingID, v.Meter}},
		{"INSERT INTO maintenance.feed_cursors (tenant_id, source) VALUES ($1, 'assets')", []any{v.TenantID}},
		{`INSERT INTO maintenance.plans (tenant_id, plan_id, home_id, asset_id, template_id, display_name, interval_count, interval_unit,
			meter, meter_unit, meter_interval, anchor, lead_days, start_date, request_id)
			VALUES ($1, $2, $3, $4, 'boiler-service', 'Victim service', 1, 'year', $5, 'hours', 500, 'fixed', 14, '2030-01-01', $6)`,
			[]any{v.TenantID, v.PlanID, v.HomeID, v.AssetID, v.Meter, v.RequestID}},
		{`INSERT INTO maintenance.tasks (tenant_id, task_id, home_id, asset_id, plan_id, occurrence, kind, title, due_date, lead_days, request_id)
			VALUES ($1, $2, $3, $4, $5, '2030-01-01', 'maintenance', 'Victim task', '2030-01-01', 14, $6)`,
			[]any{v.TenantID, v.TaskID, v.HomeID, v.AssetID, v.PlanID, v.RequestID}},
		{"INSERT INTO maintenance.task_parts (tenant_id, task_id, position, description, quantity) VALUES ($1, $2, 1, 'Victim part', 1)",
			[]any{v.TenantID, v.TaskID}},
		// Insight's: a prediction of the plan above and the asset's health.
		{`INSERT INTO maintenance.plan_predictions (tenant_id, plan_id, asset_id, method, trigger, predicted_date, earliest_date,
				latest_date, weekly_usage, explanation)
			VALUES ($1, $2, $3, 'usage', 'usage', '2030-01-10', '2030-01-01', '2030-01-20', 41, 'victim')`,
			[]any{v.TenantID, v.PlanID, v.AssetID}},
		{"INSERT INTO maintenance.asset_health (tenant_id, asset_id, score, reasons, hint) VALUES ($1, $2, 50, '[]', 'none')",
			[]any{v.TenantID, v.AssetID}},
		// The maintenance dashboard's (helper E): the facts above made its
		// dashboard_versions row already (00005's triggers); a home's feed.
		{`INSERT INTO maintenance.calendar_feeds (tenant_id, feed_id, home_id, secret_hash, created_by)
			VALUES ($1, $2, $3, sha256('victim'), $4)`, []any{v.TenantID, v.FeedID, v.HomeID, v.UserID}},
		// The platform's outbox.
		{`INSERT INTO outbox.messages (tenant_id, message_id, service, dedupe_key, recipient, subject, text_body)
			VALUES ($1, $2, 'victim', $3, 'victim@example.com', 'Victim reminder', 'Victim text')`, []any{v.TenantID, v.MessageID, v.DedupeKey}},
		{`INSERT INTO outbox.attachments (tenant_id, message_id, position, filename, content_type, content)
			VALUES ($1, $2, 0, 'victim.pdf', 'application/pdf', 'victim')`, []any{v.TenantID, v.MessageID}},
		// Maintenance's reminders: the victim user's preferences.
		{`INSERT INTO maintenance.reminder_preferences (tenant_id, user_id, due_tasks) VALUES ($1, $2, false)`, []any{v.TenantID, v.UserID}},

		// Invoicing (schema invoicing): settings, a price list of the term,
		// a run, an issued invoice with its number taken, a line, a credit
		// note, a Stripe payment, its Checkout Session and event.
		{"INSERT INTO invoicing.billing_settings (tenant_id, tax_id) VALUES ($1, 'ABN 00 000 000 000')", []any{v.TenantID}},
		{`INSERT INTO invoicing.price_lists (tenant_id, price_list_id, term_id, display_name, currency, request_id)
			VALUES ($1, $2, $3, 'Victim fees', 'AUD', $4)`, []any{v.TenantID, v.PriceListID, v.TermID, v.RequestID}},
		{`INSERT INTO invoicing.price_rates (tenant_id, price_list_id, position, class_id, group_week_minor, individual_week_minor)
			VALUES ($1, $2, 0, $3, 3500, 5000)`, []any{v.TenantID, v.PriceListID, v.ClassID}},
		{`INSERT INTO invoicing.billing_runs (tenant_id, run_id, term_id, state, created_by, request_id)
			VALUES ($1, $2, $3, 'succeeded', $4, $5)`, []any{v.TenantID, v.RunID, v.TermID, v.UserID, v.RequestID}},
		{`INSERT INTO invoicing.invoices (tenant_id, invoice_id, family_id, term_id, state, number, currency, tax_label, tax_rate_bp,
				price_mode, rounding, charges_minor, total_minor, tax_minor, paid_minor, credited_minor, issue_date, due_date,
				billing_run_id, request_id, issue_time)
			VALUES ($1, $2, $3, $4, 'partially_paid', 'INV-2030-000001', 'AUD', 'GST', 1000, 'inclusive', 'invoice', 39500, 39500, 3591,
				1000, 500, '2030-02-04', '2030-02-18', $5, $6, now())`,
			[]any{v.TenantID, v.InvoiceID, v.FamilyID, v.TermID, v.RunID, v.RequestID}},
		{`INSERT INTO invoicing.invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, unit_minor, student_id, class_id, amount_minor)
			VALUES ($1, $2, 0, 'group_weeks', 'Victim lessons', 7, 3500, $3, $4, 24500)`, []any{v.TenantID, v.InvoiceID, v.StudentID, v.ClassID}},
		{"INSERT INTO invoicing.number_sequences (tenant_id, series, year, last_value) VALUES ($1, 'invoice', 2030, 1), ($1, 'credit_note', 2030, 1)",
			[]any{v.TenantID}},
		{`INSERT INTO invoicing.credit_notes (tenant_id, credit_note_id, invoice_id, number, reason, amount_minor, tax_minor, issue_date, created_by, request_id)
			VALUES ($1, $2, $3, 'CN-2030-000001', 'Victim credit', 500, 45, '2030-02-05', $4, $5)`,
			[]any{v.TenantID, v.CreditNoteID, v.InvoiceID, v.UserID, v.RequestID}},
		{`INSERT INTO invoicing.payments (tenant_id, payment_id, invoice_id, amount_minor, method, stripe_payment_ref, recorded_by, request_id)
			VALUES ($1, $2, $3, 1000, 'stripe', $4, $5, $6)`, []any{v.TenantID, v.PaymentID, v.InvoiceID, v.StripePaymentRef, v.UserID, v.RequestID}},
		{`INSERT INTO invoicing.checkout_sessions (tenant_id, stripe_session_id, invoice_id, amount_minor, currency, url)
			VALUES ($1, $2, $3, 38000, 'AUD', 'https://checkout.stripe.test/victim')`, []any{v.TenantID, v.StripeSessionID, v.InvoiceID}},
		{`INSERT INTO invoicing.stripe_events (tenant_id, event_id, event_type, payload, process_time)
			VALUES ($1, $2, 'checkout.session.completed', '{}', now())`, []any{v.TenantID, v.StripeEventID}},
	}
	err := InScope(context.Background(), db, Scope{TenantID: v.TenantID}, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(context.Background(), s.sql, s.args...); err != nil {
				return fmt.Errorf("%s: %w", s.sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dbtest: tenant fixture: %v", err)
	}
}

// TenantSnapshot is every row of one tenant, by table, as text.
type TenantSnapshot map[string]string

// SnapshotTenant reads every row of tenant in every table with a tenant_id
// column. db must see every tenant (BypassRLSPool, or a transaction on it).
func SnapshotTenant(ctx context.Context, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}, tenant uuid.UUID) (TenantSnapshot, error) {
	rows, err := db.Query(ctx, `SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	snap := TenantSnapshot{}
	for _, table := range tables {
		var text string
		if err := db.QueryRow(ctx, "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM "+table+" t WHERE tenant_id = $1",
			tenant).Scan(&text); err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		snap[table] = text
	}
	return snap, nil
}

// Diff says which tables differ between two snapshots, or "".
func (s TenantSnapshot) Diff(after TenantSnapshot) string {
	var out []string
	for table, before := range s {
		if after[table] != before {
			out = append(out, fmt.Sprintf("%s:\n\tbefore %q\n\tafter  %q", table, before, after[table]))
		}
	}
	for table := range after {
		if _, ok := s[table]; !ok {
			out = append(out, table+": appeared")
		}
	}
	return strings.Join(out, "\n")
}

// FirstWall is one sqlc store for CheckFirstWall.
type FirstWall struct {
	// New is the store's constructor (sqlc's New) over a transaction.
	New func(pgx.Tx) any
	// NotTenantScoped names the queries that take no tenant_id, with why;
	// Unscoped* queries (tenant-less reference data) are skipped by name.
	// Any other query without a TenantID parameter fails the check.
	NotTenantScoped map[string]string
}

// CheckFirstWall runs every method of the store's *Queries (found by
// reflection, so a new query is covered without touching the test) over a
// connection that bypasses row-level security, with tenant A in scope and as
// the TenantID parameter, and every other parameter naming tenant B's rows:
// the tenant_id predicate alone, the first of the two walls, must keep
// tenants apart. It does so twice: with an empty tenant A, where every query
// must return nothing at all, and with a tenant A holding rows under the
// very ids of B's (which the API never lets a client choose), so a query
// whose only other tenant check is on a joined row is caught too; there A's
// own rows may come back, never B's. Either way every row of B must be
// unchanged afterwards. Each call runs in a transaction rolled back
// afterwards, so the calls do not disturb each other.
func CheckFirstWall(t *testing.T, d *Database, store FirstWall) {
	t.Helper()
	ctx := context.Background()
	bypass := d.BypassRLSPool(t)
	victim := NewVictim(t, bypass)
	empty := uuid.New()
	ExecAsTenant(t, bypass, empty, "INSERT INTO accounts.tenants (tenant_id, kind, display_name) VALUES ($1, 'household', 'Attacker')", empty)
	mirror := victim
	mirror.TenantID = uuid.New()
	writeTenantRows(t, bypass, mirror)
	before, err := SnapshotTenant(ctx, bypass, victim.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	for table, rows := range before {
		if rows == "" {
			t.Errorf("the victim has no row in %s: add one to dbtest.NewVictim", table)
		}
	}
	values := victim.Values()
	attackers := []attacker{{empty, emptyTenant}, {mirror.TenantID, mirroringTenant}}

	probe := reflect.TypeOf(store.New(nil))
	ran := 0
	for i := range probe.NumMethod() {
		m := probe.Method(i)
		name := m.Name
		if name == "WithTx" || strings.HasPrefix(name, "Unscoped") {
			continue
		}
		params, ok := queryParams(m.Type)
		if !ok {
			t.Errorf("%s: not a query method (ctx, params) (result, error) or (ctx, params) error; teach CheckFirstWall its shape", name)
			continue
		}
		if params == nil && m.Type.NumIn() == 3 && m.Type.In(2) == uuidType {
			// One bare uuid: sqlc's way of passing a query's only
			// parameter, which the sqlc vet rule makes its tenant_id.
			for _, a := range attackers {
				ran++
				if why := runAgainstVictim(ctx, bypass, store, name, reflect.ValueOf(a.tenant), a, before, victim.TenantID); why != "" {
					t.Errorf("%s (%s) with tenant A %s as its only parameter: %s", name, a.kind, a.tenant, why)
				}
			}
			continue
		}
		if params == nil || !hasField(params, "TenantID") {
			if _, exempt := store.NotTenantScoped[name]; !exempt {
				t.Errorf("%s takes no TenantID: name it Unscoped* or list it in NotTenantScoped with a reason", name)
			}
			continue
		}
	variants:
		for _, a := range attackers {
			for _, v := range variants {
				arg, err := fill(params, a.tenant, values, v)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					break variants
				}
				ran++
				if why := runAgainstVictim(ctx, bypass, store, name, arg, a, before, victim.TenantID); why != "" {
					t.Errorf("%s (%s; %s) with tenant A %s and tenant B's ids %+v: %s", name, a.kind, v, a.tenant, arg.Interface(), why)
				}
			}
		}
	}
	if ran == 0 {
		t.Fatal("no query ran: the reflection is broken")
	}
}

// attacker is the tenant in scope for a first-wall call.
type attacker struct {
	tenant uuid.UUID
	kind   attackerKind
}

type attackerKind int

const (
	// emptyTenant owns no rows, so anything a query returns is B's.
	emptyTenant attackerKind = iota
	// mirroringTenant owns rows under B's ids, which may come back.
	mirroringTenant
)

func (k attackerKind) String() string {
	if k == mirroringTenant {
		return "tenant A holds rows under B's ids"
	}
	return "tenant A is empty"
}

func queryParams(m reflect.Type) (reflect.Type, bool) {
	// m includes the receiver.
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	// (result, error) for :one, :many and :execrows; error alone for :exec,
	// whose effect only the snapshot of tenant B can judge.
	if m.NumOut() < 1 || m.NumOut() > 2 || m.Out(m.NumOut()-1) != errType || m.NumIn() < 2 || m.In(1) != ctxType || m.NumIn() > 3 {
		return nil, false
	}
	if m.NumIn() == 2 {
		return nil, true
	}
	p := m.In(2)
	if p.Kind() == reflect.Struct {
		return p, true
	}
	// A single parameter: sqlc passes it bare, named only in the SQL.
	return nil, true
}

func hasField(t reflect.Type, name string) bool {
	_, ok := t.FieldByName(name)
	return ok
}

// variant is one way of filling the parameters that have more than one
// sensible probe value.
type variant struct {
	optionalOff bool // nullable parameters (optional filters) NULL
	late        bool // time parameters far in the future rather than the past
}

func (v variant) String() string {
	opt, tm := "optional filters on the victim's values", "times in the past"
	if v.optionalOff {
		opt = "optional filters off"
	}
	if v.late {
		tm = "times in the future"
	}
	return opt + ", " + tm
}

var variants = []variant{{false, false}, {false, true}, {true, false}, {true, true}}

var (
	uuidType     = reflect.TypeFor[uuid.UUID]()
	nullUUIDType = reflect.TypeFor[uuid.NullUUID]()
	timeType     = reflect.TypeFor[time.Time]()
	textType     = reflect.TypeFor[pgtype.Text]()
	maxUUID      = uuid.MustParse("ffffffff-ffff-ffff-ffff-ffffffffffff")
)

// fill builds a parameter struct: TenantID is the attacker, ids are the
// victim's, keyset cursors start before everything, limits are generous.
func fill(params reflect.Type, attacker uuid.UUID, victim map[string]any, v variant) (reflect.Value, error) {
	arg := reflect.New(params).Elem()
	for i := range params.NumField() {
		f := params.Field(i)
		dst := arg.Field(i)
		switch {
		case f.Name == "TenantID":
			if err := set(dst, attacker, false); err != nil {
				return arg, fmt.Errorf("field %s: %w", f.Name, err)
			}
		case strings.HasPrefix(f.Name, "After"):
			// The zero value sorts first: the page after nothing is everything.
		case strings.HasPrefix(f.Name, "Before"):
			switch f.Type {
			case uuidType:
				dst.Set(reflect.ValueOf(maxUUID))
			case timeType:
				dst.Set(reflect.ValueOf(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
			default:
				return arg, fmt.Errorf("keyset field %s of type %s: teach CheckFirstWall its largest value", f.Name, f.Type)
			}
		case strings.HasSuffix(f.Name, "Limit"):
			dst.SetInt(1000)
		case f.Type == timeType:
			when := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
			if v.late {
				when = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			dst.Set(reflect.ValueOf(when))
		default:
			val, known := victim[f.Name]
			if !known {
				if f.Type == uuidType || f.Type == nullUUIDType || strings.HasSuffix(f.Name, "ID") {
					return arg, fmt.Errorf("no victim value for the id field %s: add one to dbtest.Victim", f.Name)
				}
				continue // anything else stays zero (NULL for nullable types)
			}
			if err := set(dst, val, v.optionalOff); err != nil {
				return arg, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
	}
	return arg, nil
}

// set stores val in dst, converting to sqlc's nullable types; with
// nullOff a nullable dst stays NULL.
func set(dst reflect.Value, val any, nullOff bool) error {
	switch dst.Type() {
	case nullUUIDType:
		if !nullOff {
			dst.Set(reflect.ValueOf(uuid.NullUUID{UUID: val.(uuid.UUID), Valid: true}))
		}
		return nil
	case textType:
		if !nullOff {
			dst.Set(reflect.ValueOf(pgtype.Text{String: fmt.Sprint(val), Valid: true}))
		}
		return nil
	}
	rv := reflect.ValueOf(val)
	if !rv.Type().AssignableTo(dst.Type()) {
		return fmt.Errorf("victim value %T does not fit %s", val, dst.Type())
	}
	dst.Set(rv)
	return nil
}

// runAgainstVictim calls the query in a savepoint of a transaction that is
// rolled back, and says what is wrong, or "".
func runAgainstVictim(ctx context.Context, db Beginner, store FirstWall, name string, arg reflect.Value,
	a attacker, before TenantSnapshot, victim uuid.UUID) string {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err.Error()
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Tenant A in scope, as a service would set it; this role ignores it.
	if err := setScope(ctx, tx, Scope{TenantID: a.tenant}); err != nil {
		return err.Error()
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err.Error()
	}
	method := reflect.ValueOf(store.New(sp)).MethodByName(name)
	in := []reflect.Value{reflect.ValueOf(ctx)}
	if method.Type().NumIn() == 2 {
		in = append(in, arg)
	}
	out := method.Call(in)
	why := ""
	if callErr, _ := out[len(out)-1].Interface().(error); callErr != nil {
		_ = sp.Rollback(ctx)
		why = refused(name, callErr, a.kind)
	} else {
		if len(out) == 2 {
			why = leak(out[0], a)
		}
		if err := sp.Commit(ctx); err != nil {
			return err.Error()
		}
	}
	after, err := SnapshotTenant(ctx, tx, victim)
	if err != nil {
		return err.Error()
	}
	if diff := before.Diff(after); diff != "" {
		why = strings.TrimPrefix(why+"; ", "; ") + "changed tenant B's rows:\n" + diff
	}
	return why
}

// insertPrefixes are how the stores name their inserts.
var insertPrefixes = []string{"Create", "Insert", "Record", "Grant"}

func isInsert(name string) bool {
	return slices.ContainsFunc(insertPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// refused says what is wrong with a query's error, or "" when the error
// means the query found nothing. A constraint may refuse an insert (a
// foreign key into another tenant's row, say: inserts are named Create*,
// Insert*, Record* or Grant*),
// but any other statement that trips one has reached a row, and an empty
// tenant A has none (a mirroring one has: the snapshot judges those).
func refused(name string, err error, kind attackerKind) string {
	if errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "23") {
		if isInsert(name) || kind == mirroringTenant {
			return ""
		}
		return fmt.Sprintf("tripped a constraint (%v), so it reached a row of another tenant", err)
	}
	return fmt.Sprintf("failed (%v): fill its parameters so it runs", err)
}

// leak says what a successful query returned that it must not have, or "".
// A row of tenant A is fine (a create writes one; a mirroring tenant has
// some); from an empty tenant A anything else that is not empty came from
// another tenant. A mirroring tenant's counts and flags may be its own, so
// there only rows that carry another tenant_id count.
func leak(result reflect.Value, a attacker) string {
	if a.kind == mirroringTenant && !carriesTenant(result) {
		return ""
	}
	switch result.Kind() {
	case reflect.Bool:
		if result.Bool() {
			return "returned true"
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if result.Int() != 0 {
			return fmt.Sprintf("returned %d (rows affected)", result.Int())
		}
	case reflect.Slice:
		if result.Type().Elem().Kind() == reflect.Uint8 {
			break
		}
		for i := range result.Len() {
			if why := leak(result.Index(i), a); why != "" {
				return fmt.Sprintf("returned %d rows, such as %+v", result.Len(), result.Index(i).Interface())
			}
		}
	case reflect.Struct:
		if tenant := result.FieldByName("TenantID"); tenant.IsValid() && tenant.Interface() == a.tenant {
			return ""
		}
		return fmt.Sprintf("returned a row %+v", result.Interface())
	default:
		return fmt.Sprintf("returned %v", result.Interface())
	}
	return ""
}

// carriesTenant says whether result is a row, or rows, with a TenantID.
func carriesTenant(result reflect.Value) bool {
	t := result.Type()
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	_, ok := t.FieldByName("TenantID")
	return ok
}
