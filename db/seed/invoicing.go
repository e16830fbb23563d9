package seed

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The Riverside Music School's billing (schema invoicing): its settings (GST
// at 10%, prices tax-inclusive, rounded per invoice, an ABN-style tax id), a
// price list for the current term, and that term's billing run, done the
// Monday a week before the term began: every family with an enrolment got
// its invoice, issued the same day, and most have paid since — some in full
// (by card, bank transfer or cash), some in part, some not yet (their due
// date has passed: `make run` shows overdue invoices too).
//
// The rows are what the billing run and the ledger write (one line per
// student, class and kind of week, "Piano Foundations — Maya, 12 group
// weeks × $35.00"; a sibling discount on the invoices of families with more
// than one child, which the school adds to the drafts before issuing), with
// totals by the arithmetic of steward.invoicing.v1.BillingSettings;
// services/invoicing's TestSeededInvoicesReconcile recomputes every one with
// the service's own pricing. Like the term, the billing is written once, by
// the first seeding that finds no run for the term.

// The seeded billing's ids.
var (
	PriceListID  = id("pricelist:current")
	BillingRunID = id("billingrun:current")
)

// The school's tax rule and what its invoices print.
const (
	taxLabel    = "GST"
	taxRateBP   = 1000
	legalName   = "Riverside Music School LLC"
	schoolTaxID = "ABN 47 820 915 634" // the ABN checksum holds
	paymentDays = 14
	// siblingDiscountBP is the discount on a family's charges when it has
	// more than one child enrolled: 10%.
	siblingDiscountBP = 1000
)

const (
	schoolAddress       = "4120 Market Street\nRiverside, CA 92501\nUnited States"
	paymentInstructions = "Pay by card from the link in your invoice email, or by bank transfer to Riverside Music School LLC, " +
		"First Citrus Bank, routing 122244184, account 4407 2291 0063, quoting the invoice number. Cash at the front desk."
)

// seedRate is a rate of the term's price list: for a class, for an
// instrument, or the default (neither).
type seedRate struct {
	class, instrument           string
	groupMinor, individualMinor int64
}

// termRates are the current term's fees: $35 a group week and $50 an
// individual week by default (the spec's example), more for piano, less for
// voice, and two ensembles of their own.
var termRates = []seedRate{
	{groupMinor: 3500, individualMinor: 5000},
	{instrument: "Piano", groupMinor: 3800, individualMinor: 5500},
	{instrument: "Voice", groupMinor: 3200, individualMinor: 4800},
	{class: "Rock Band Lab", groupMinor: 4200, individualMinor: 6000},
	{class: "Chamber Choir", groupMinor: 2800, individualMinor: 4500},
}

// InvoicingSummary is what Summary reports of the school's billing, read
// back from the database (amounts in minor units of Currency).
type InvoicingSummary struct {
	Term, Currency                 string
	Invoices, Issued, PartlyPaid   int
	Paid, Payments                 int
	InvoicedMinor, ReceivedMinor   int64
	FirstNumber, LastNumber, TaxID string
}

// billableEnrolment is an enrolled student's class in the term, with the
// weeks its sessions are held as a group and one to one.
type billableEnrolment struct {
	family, student, class, instrument uuid.UUID
	studentName, className             string
	groupWeeks, individualWeeks        int64
}

// seedLine is an invoice line as the ledger stores it.
type seedLine struct {
	kind, description    string
	quantity             int64
	unitMinor, percentBP int64
	student, class       uuid.NullUUID
	amountMinor          int64
}

// writeInvoicing writes the school's billing in tx (scoped to the school)
// after writeSchedule, unless a seeding wrote the term's run before.
func writeInvoicing(ctx context.Context, tx pgx.Tx, people []person, now time.Time) error {
	tenant := SchoolTenantID
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invoicing.billing_runs WHERE tenant_id = $1 AND run_id = $2)`,
		tenant, BillingRunID).Scan(&exists); err != nil {
		return fmt.Errorf("read billing run: %w", err)
	}
	if exists {
		return nil
	}
	var zone, currency, termName string
	var termStart time.Time
	if err := tx.QueryRow(ctx, `SELECT s.time_zone, s.currency_code, t.display_name, t.start_date
		FROM booking.settings s JOIN booking.terms t ON t.tenant_id = s.tenant_id AND t.term_id = $2
		WHERE s.tenant_id = $1`, tenant, TermID).Scan(&zone, &currency, &termName, &termStart); err != nil {
		return fmt.Errorf("read term: %w", err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("school time zone %q: %w", zone, err)
	}
	enrolments, err := readBillable(ctx, tx)
	if err != nil {
		return err
	}
	admin := UserID(people[0].email)

	// The run: the Monday a week before the term, at 09:00.
	issueDay := termStart.AddDate(0, 0, -7)
	issueAt := at(issueDay, 9*60, loc)
	dueDay := issueDay.AddDate(0, 0, paymentDays)

	b := &pgx.Batch{}
	b.Queue(`INSERT INTO invoicing.billing_settings (tenant_id, tax_label, tax_rate_bp, price_mode, rounding, legal_name, tax_id,
			address, payment_terms_days, payment_instructions)
		VALUES ($1, $2, $3, 'inclusive', 'invoice', $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		tenant, taxLabel, taxRateBP, legalName, schoolTaxID, schoolAddress, paymentDays, paymentInstructions)
	b.Queue(`INSERT INTO invoicing.price_lists (tenant_id, price_list_id, term_id, display_name, currency, create_time, update_time)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING`,
		tenant, PriceListID, TermID, termName+" fees", currency, issueAt.AddDate(0, 0, -10))
	for i, r := range termRates {
		var class, instrument uuid.NullUUID
		if r.class != "" {
			class = uuid.NullUUID{UUID: classIDByName(r.class), Valid: true}
		}
		if r.instrument != "" {
			instrument = uuid.NullUUID{UUID: instrumentID(r.instrument), Valid: true}
		}
		b.Queue(`INSERT INTO invoicing.price_rates (tenant_id, price_list_id, position, class_id, instrument_id, group_week_minor, individual_week_minor)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			tenant, PriceListID, i+1, class, instrument, r.groupMinor, r.individualMinor)
	}

	byFamily := map[uuid.UUID][]billableEnrolment{}
	var families []uuid.UUID
	for _, e := range enrolments {
		if e.groupWeeks+e.individualWeeks == 0 {
			continue // nothing to bill
		}
		if _, ok := byFamily[e.family]; !ok {
			families = append(families, e.family)
		}
		byFamily[e.family] = append(byFamily[e.family], e)
	}
	// Numbers in the families' order of their parents' names, as the school
	// reads its list.
	parentName := map[uuid.UUID]string{}
	for _, p := range people[len(schoolStaff):] {
		parentName[FamilyID(p.email)] = p.name[strings.LastIndex(p.name, " ")+1:] + " " + p.name
	}
	slices.SortFunc(families, func(a, b uuid.UUID) int { return strings.Compare(parentName[a], parentName[b]) })

	b.Queue(`INSERT INTO invoicing.billing_runs (tenant_id, run_id, term_id, issue_invoices, state, families_total, families_done,
			invoices_drafted, invoices_skipped, invoices_issued, created_by, create_time, end_time)
		VALUES ($1, $2, $3, true, 'succeeded', $4, $4, $4, 0, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		tenant, BillingRunID, TermID, len(families), admin, issueAt, issueAt.Add(time.Duration(len(families))*15*time.Millisecond+2*time.Second))
	for n, family := range families {
		inv := id("invoice:current:" + family.String())
		lines, charges := termLinesOf(currency, byFamily[family])
		students := map[uuid.UUID]bool{}
		for _, e := range byFamily[family] {
			students[e.student] = true
		}
		var discounts int64
		if len(students) > 1 {
			discounts = roundHalfUp(charges*siblingDiscountBP, 10000)
			lines = append(lines, seedLine{kind: "discount", description: "Sibling discount (10%)", quantity: 1,
				percentBP: siblingDiscountBP, amountMinor: -discounts})
		}
		taxable := charges - discounts
		tax := roundHalfUp(taxable*taxRateBP, 10000+taxRateBP) // prices include the tax
		total := taxable

		key := "payment:current:" + family.String()
		var payments []seedPayment
		switch outcome := jitter(key, 100); {
		case outcome < 55: // paid in full
			payments = append(payments, paymentFor(key, total, issueAt, now))
		case outcome < 75 && total >= 200: // paid in part: a first instalment of about half, in whole dollars
			payments = append(payments, paymentFor(key, total/200*100, issueAt, now))
		}
		var paid int64
		for _, p := range payments {
			paid += p.amount
		}
		state := "issued"
		switch {
		case paid == total:
			state = "paid"
		case paid > 0:
			state = "partially_paid"
		}
		number := fmt.Sprintf("INV-%d-%06d", issueDay.Year(), n+1)
		b.Queue(`INSERT INTO invoicing.invoices (tenant_id, invoice_id, family_id, term_id, state, number, currency,
				tax_label, tax_rate_bp, price_mode, rounding, charges_minor, discounts_minor, tax_minor, total_minor, paid_minor,
				issue_date, due_date, billing_run_id, create_time, update_time, issue_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'inclusive', 'invoice', $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $18)
			ON CONFLICT DO NOTHING`,
			tenant, inv, family, TermID, state, number, currency, taxLabel, taxRateBP, charges, discounts, tax, total, paid,
			issueDay, dueDay, BillingRunID, issueAt, lastTime(issueAt, payments))
		for i, l := range lines {
			b.Queue(`INSERT INTO invoicing.invoice_lines (tenant_id, invoice_id, position, kind, description, quantity, unit_minor,
					percent_bp, student_id, class_id, amount_minor, tax_minor)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0) ON CONFLICT DO NOTHING`,
				tenant, inv, i+1, l.kind, l.description, l.quantity, l.unitMinor, l.percentBP, l.student, l.class, l.amountMinor)
		}
		for i, p := range payments {
			var recordedBy uuid.NullUUID
			if p.method != "stripe" {
				recordedBy = uuid.NullUUID{UUID: admin, Valid: true}
			}
			b.Queue(`INSERT INTO invoicing.payments (tenant_id, payment_id, invoice_id, amount_minor, method, reference,
					stripe_payment_ref, receive_time, recorded_by, create_time)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8) ON CONFLICT DO NOTHING`,
				tenant, id(fmt.Sprintf("%s:%d", key, i)), inv, p.amount, p.method, p.reference, p.stripeRef, p.at, recordedBy)
		}
	}
	if len(families) > 0 {
		b.Queue(`INSERT INTO invoicing.number_sequences (tenant_id, series, year, last_value) VALUES ($1, 'invoice', $2, $3)
			ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_value = greatest(invoicing.number_sequences.last_value, excluded.last_value)`,
			tenant, issueDay.Year(), len(families))
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write invoicing: %w", err)
	}
	return nil
}

// readBillable reads the term's enrolled students with their classes and
// the weeks each class meets as a group and one to one (its group sessions
// and its placeholders for individual weeks), family by family.
func readBillable(ctx context.Context, tx pgx.Tx) ([]billableEnrolment, error) {
	rows, err := tx.Query(ctx, `SELECT st.family_id, st.student_id, c.class_id, c.instrument_id, st.given_name, c.display_name,
			count(*) FILTER (WHERE s.kind = 'group'), count(*) FILTER (WHERE s.kind = 'placeholder')
		FROM booking.enrolments e
		JOIN booking.classes c ON c.tenant_id = e.tenant_id AND c.class_id = e.class_id
		JOIN booking.students st ON st.tenant_id = e.tenant_id AND st.student_id = e.student_id
		LEFT JOIN booking.sessions s ON s.tenant_id = c.tenant_id AND s.class_id = c.class_id AND s.kind IN ('group', 'placeholder')
		WHERE e.tenant_id = $1 AND c.term_id = $2 AND e.state = 'enrolled'
		GROUP BY st.family_id, st.student_id, c.class_id, c.instrument_id, st.given_name, c.display_name
		ORDER BY st.family_id, st.given_name, st.student_id, c.display_name`, SchoolTenantID, TermID)
	if err != nil {
		return nil, fmt.Errorf("read enrolments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (billableEnrolment, error) {
		var e billableEnrolment
		err := r.Scan(&e.family, &e.student, &e.class, &e.instrument, &e.studentName, &e.className, &e.groupWeeks, &e.individualWeeks)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read enrolments: %w", err)
	}
	return out, nil
}

// termLinesOf is a family's term lines and their charges: for each
// enrolment a group-weeks line and an individual-weeks line at the price
// list's rate (the class's, else the instrument's, else the default), each
// left out when it has no weeks.
func termLinesOf(currency string, enrolments []billableEnrolment) ([]seedLine, int64) {
	var lines []seedLine
	var charges int64
	for _, e := range enrolments {
		r := rateFor(e)
		for _, w := range []struct {
			kind, noun  string
			weeks, unit int64
		}{{"group_weeks", "group", e.groupWeeks, r.groupMinor}, {"individual_weeks", "individual", e.individualWeeks, r.individualMinor}} {
			if w.weeks == 0 {
				continue
			}
			weeks := " weeks"
			if w.weeks == 1 {
				weeks = " week"
			}
			lines = append(lines, seedLine{kind: w.kind,
				description: e.className + " — " + e.studentName + ", " + strconv.FormatInt(w.weeks, 10) + " " + w.noun + weeks + " × " + dollars(currency, w.unit),
				quantity:    w.weeks, unitMinor: w.unit, amountMinor: w.weeks * w.unit,
				student: uuid.NullUUID{UUID: e.student, Valid: true}, class: uuid.NullUUID{UUID: e.class, Valid: true}})
			charges += w.weeks * w.unit
		}
	}
	return lines, charges
}

func rateFor(e billableEnrolment) seedRate {
	for _, r := range termRates {
		if r.class != "" && classIDByName(r.class) == e.class {
			return r
		}
	}
	for _, r := range termRates {
		if r.instrument != "" && instrumentID(r.instrument) == e.instrument {
			return r
		}
	}
	return termRates[0]
}

// classIDByName is the id of the planned class called name.
func classIDByName(name string) uuid.UUID {
	for _, c := range planClasses() {
		if c.name == name {
			return c.id()
		}
	}
	panic("seed: no class " + name) // termRates names planned classes: a test catches this
}

// dollars writes minor units of a two-digit currency as invoices print
// them, "$35.00" (the seeded school's currency is USD).
func dollars(currency string, minor int64) string {
	sign := map[string]string{"USD": "$", "AUD": "$"}[currency]
	if sign == "" {
		sign = currency + " "
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// roundHalfUp is num / den rounded to the nearest integer, exactly half up,
// for the non-negative amounts the seed divides.
func roundHalfUp(num, den int64) int64 { return (2*num + den) / (2 * den) }

// seedPayment is one payment received against an invoice.
type seedPayment struct {
	amount            int64
	method, reference string
	stripeRef         *string
	at                time.Time
}

// paymentFor is a payment of amount for the invoice issued at issued,
// received one to twenty days later (and before now): by card through
// Stripe for half the families, by bank transfer for most others, in cash
// for a few.
func paymentFor(key string, amount int64, issued, now time.Time) seedPayment {
	p := seedPayment{amount: amount, at: issued.Add(time.Duration(24+jitter(key+":day", 20*24)) * time.Hour).
		Add(time.Duration(jitter(key+":minute", 60)) * time.Minute)}
	if p.at.After(now) {
		p.at = now.Add(-time.Hour)
	}
	switch m := jitter(key+":method", 10); {
	case m < 5:
		ref := "pi_3Q" + strings.ReplaceAll(id(key+":stripe").String(), "-", "")[:20]
		p.method, p.reference, p.stripeRef = "stripe", ref, &ref
	case m < 9:
		p.method, p.reference = "bank_transfer", fmt.Sprintf("FCB %08d", jitter(key+":ref", 100000000))
	default:
		p.method, p.reference = "cash", fmt.Sprintf("Receipt %04d", 1000+jitter(key+":receipt", 9000))
	}
	return p
}

// lastTime is when an invoice last changed: its last payment, else its issue.
func lastTime(issued time.Time, payments []seedPayment) time.Time {
	last := issued
	for _, p := range payments {
		if p.at.After(last) {
			last = p.at
		}
	}
	return last
}

// readInvoicing reads back what the school's billing holds, for Summary.
func readInvoicing(ctx context.Context, tx pgx.Tx) (InvoicingSummary, error) {
	var s InvoicingSummary
	err := tx.QueryRow(ctx, `SELECT coalesce((SELECT display_name FROM booking.terms WHERE tenant_id = $1 AND term_id = $2), ''),
			coalesce((SELECT tax_id FROM invoicing.billing_settings WHERE tenant_id = $1), ''),
			coalesce(min(currency), ''), count(*), count(*) FILTER (WHERE state = 'issued'),
			count(*) FILTER (WHERE state = 'partially_paid'), count(*) FILTER (WHERE state = 'paid'),
			(SELECT count(*) FROM invoicing.payments WHERE tenant_id = $1),
			coalesce(sum(total_minor), 0), coalesce(sum(paid_minor), 0), coalesce(min(number), ''), coalesce(max(number), '')
		FROM invoicing.invoices WHERE tenant_id = $1 AND term_id = $2`, SchoolTenantID, TermID).
		Scan(&s.Term, &s.TaxID, &s.Currency, &s.Invoices, &s.Issued, &s.PartlyPaid, &s.Paid, &s.Payments,
			&s.InvoicedMinor, &s.ReceivedMinor, &s.FirstNumber, &s.LastNumber)
	if err != nil {
		return s, fmt.Errorf("read invoicing: %w", err)
	}
	return s, nil
}
