package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
)

// TestSeedInvoicing: the seeded term has its billing run done — every
// family with an enrolment invoiced once, numbered gaplessly, a mix of
// issued, partly paid and paid — and the stored totals agree with the
// stored lines and payments. Checked in SQL; re-seeding later adds nothing.
// (services/invoicing's TestSeededInvoicesReconcile recomputes the totals
// with the service's pricing.)
func TestSeedInvoicing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	now := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	sum, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	in := sum.Invoicing
	t.Logf("billing: %+v", in)
	if in.Invoices < 200 || in.Issued < 20 || in.PartlyPaid < 20 || in.Paid < 80 || in.Currency != "USD" {
		t.Errorf("%d invoices (%d issued, %d partly paid, %d paid) in %q; want >= 200 with >= 20, 20, 80, in USD",
			in.Invoices, in.Issued, in.PartlyPaid, in.Paid, in.Currency)
	}
	// The issue date is the Monday a week before the term (2026-11-09).
	if in.FirstNumber != "INV-2026-000001" || in.TaxID != "ABN 47 820 915 634" {
		t.Errorf("first number %s, tax id %s", in.FirstNumber, in.TaxID)
	}

	owner := dbtest.Connect(t, d.OwnerURL)
	inTenant(t, owner, seed.SchoolTenantID, uuid.Nil, func(tx pgx.Tx) {
		checks := []struct {
			what string
			sql  string
			want int
		}{
			{"families with an enrolled student and no invoice", `SELECT count(DISTINCT st.family_id) FROM booking.enrolments e
				JOIN booking.students st USING (tenant_id, student_id) JOIN booking.classes c USING (tenant_id, class_id)
				WHERE c.term_id = $1 AND e.state = 'enrolled'
				  AND NOT EXISTS (SELECT 1 FROM invoicing.invoices i WHERE i.family_id = st.family_id AND i.term_id = $1)`, 0},
			{"families with more than one invoice", `SELECT count(*) FROM (SELECT family_id FROM invoicing.invoices
				WHERE term_id = $1 GROUP BY family_id HAVING count(*) > 1) f`, 0},
			{"numbers not 1..n", `SELECT count(*) FROM (SELECT number, row_number() OVER (ORDER BY number) AS n
				FROM invoicing.invoices WHERE term_id = $1) x WHERE number <> 'INV-2026-' || lpad(n::text, 6, '0')`, 0},
			{"a sequence behind its numbers", `SELECT count(*) FROM invoicing.number_sequences
				WHERE series = 'invoice' AND year = 2026 AND last_value <> (SELECT count(*) FROM invoicing.invoices WHERE term_id = $1)`, 0},
			{"charges not the sum of the charge lines", `SELECT count(*) FROM invoicing.invoices i WHERE i.term_id = $1 AND charges_minor <>
				(SELECT sum(quantity * unit_minor) FROM invoicing.invoice_lines l WHERE l.invoice_id = i.invoice_id
				 AND kind IN ('group_weeks', 'individual_weeks', 'custom'))`, 0},
			{"lines whose amount is not quantity × unit", `SELECT count(*) FROM invoicing.invoice_lines l JOIN invoicing.invoices i USING (tenant_id, invoice_id)
				WHERE i.term_id = $1 AND l.kind IN ('group_weeks', 'individual_weeks') AND l.amount_minor <> l.quantity * l.unit_minor`, 0},
			{"discounts not 10% of the charges, rounded", `SELECT count(*) FROM invoicing.invoices i WHERE i.term_id = $1 AND discounts_minor <>
				coalesce((SELECT -sum(amount_minor) FROM invoicing.invoice_lines l WHERE l.invoice_id = i.invoice_id AND kind = 'discount'), 0)
				OR discounts_minor NOT IN (0, round(charges_minor * 0.1))`, 0},
			{"GST not 1/11 of the taxable total, rounded", `SELECT count(*) FROM invoicing.invoices WHERE term_id = $1
				AND (tax_minor <> round((charges_minor - discounts_minor) / 11.0) OR total_minor <> charges_minor - discounts_minor)`, 0},
			{"paid not the sum of the payments", `SELECT count(*) FROM invoicing.invoices i WHERE i.term_id = $1 AND paid_minor <>
				coalesce((SELECT sum(amount_minor) FROM invoicing.payments p WHERE p.invoice_id = i.invoice_id), 0)`, 0},
			{"a state that does not follow from the payments", `SELECT count(*) FROM invoicing.invoices WHERE term_id = $1 AND state <>
				CASE WHEN paid_minor = 0 THEN 'issued' WHEN paid_minor < total_minor THEN 'partially_paid' ELSE 'paid' END`, 0},
			{"payments after the seeding's now or before the issue", `SELECT count(*) FROM invoicing.payments p JOIN invoicing.invoices i USING (tenant_id, invoice_id)
				WHERE i.term_id = $1 AND (p.receive_time > '2026-12-01 10:00Z' OR p.receive_time < i.issue_time)`, 0},
			{"a run whose counts are not its invoices", `SELECT count(*) FROM invoicing.billing_runs r WHERE r.term_id = $1 AND (r.state <> 'succeeded'
				OR r.invoices_drafted <> (SELECT count(*) FROM invoicing.invoices i WHERE i.billing_run_id = r.run_id)
				OR r.invoices_issued <> r.invoices_drafted OR r.families_done <> r.families_total)`, 0},
			{"stripe payments without their payment intent", `SELECT count(*) FROM invoicing.payments p JOIN invoicing.invoices i USING (tenant_id, invoice_id)
				WHERE i.term_id = $1 AND (p.method = 'stripe') <> (p.stripe_payment_ref IS NOT NULL)`, 0},
		}
		for _, c := range checks {
			var got int
			scan(t, tx, c.sql, []any{seed.TermID}, &got)
			if got != c.want {
				t.Errorf("%s: %d, want %d", c.what, got, c.want)
			}
		}
		var methods int
		scan(t, tx, `SELECT count(DISTINCT method) FROM invoicing.payments`, nil, &methods)
		if methods != 3 {
			t.Errorf("%d payment methods, want card, bank transfer and cash", methods)
		}
	})

	again, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: issuer, Now: now.AddDate(0, 0, 40)})
	if err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if again.Invoicing != in {
		t.Errorf("re-seeding changed the billing: %+v, was %+v", again.Invoicing, in)
	}
}
