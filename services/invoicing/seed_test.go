package invoicing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
)

// TestSeededInvoicesReconcile: every invoice the seeder writes for the
// demo term (db/seed/invoicing.go, plain SQL) is what the service's own
// arithmetic makes of its lines — each line's amount, the charges,
// discounts, GST and total — and its payments add up to what it records as
// paid, its state following from them; read through the ledger as the API
// reads it.
func TestSeededInvoicesReconcile(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	sum, err := seed.Seed(ctx, d.OwnerURL, seed.Options{Issuer: "http://issuer.test", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		id       uuid.UUID
		payments int64
	}
	var invoices []stored
	dbtest.InScopeT(t, d.OwnerPool(t), dbtest.Scope{TenantID: seed.SchoolTenantID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.invoice_id, coalesce((SELECT sum(p.amount_minor) FROM invoicing.payments p
				WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.invoice_id), 0)::bigint
			FROM invoicing.invoices i WHERE i.tenant_id = $1 AND i.term_id = $2 ORDER BY i.number`, seed.SchoolTenantID, seed.TermID)
		if err != nil {
			return err
		}
		invoices, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (stored, error) {
			var s stored
			return s, r.Scan(&s.id, &s.payments)
		})
		return err
	})
	if len(invoices) != sum.Invoicing.Invoices || len(invoices) < 200 {
		t.Fatalf("%d seeded invoices, summary says %d", len(invoices), sum.Invoicing.Invoices)
	}

	db := tenantdb.New(d.AppPool(t))
	l := ledger.New(db, nil, time.Now)
	scoped := scope.WithTenant(ctx, scope.Tenant{TenantID: seed.SchoolTenantID, Kind: "school"})
	var discounted int
	for _, s := range invoices {
		inv, err := l.Load(scoped, db.Scoped(scoped), s.id)
		if err != nil {
			t.Fatalf("load %s: %v", s.id, err)
		}
		lines := make([]pricing.Line, len(inv.Lines))
		for i, p := range inv.Lines {
			lines[i] = p.Line
		}
		priced, totals, err := pricing.Compute(inv.Rule, lines)
		if err != nil {
			t.Fatalf("%s: %v", inv.Number, err)
		}
		if totals != inv.Totals {
			t.Errorf("%s: stored totals %+v, pricing makes %+v", inv.Number, inv.Totals, totals)
		}
		for i := range priced {
			if priced[i].AmountMinor != inv.Lines[i].AmountMinor || priced[i].TaxMinor != inv.Lines[i].TaxMinor {
				t.Errorf("%s line %d %q: stored %d (tax %d), pricing makes %d (tax %d)", inv.Number, i+1, priced[i].Description,
					inv.Lines[i].AmountMinor, inv.Lines[i].TaxMinor, priced[i].AmountMinor, priced[i].TaxMinor)
			}
			if k := priced[i].Kind; (k == pricing.GroupWeeks || k == pricing.IndividualWeeks) &&
				!strings.HasSuffix(priced[i].Description, " × "+pricing.FormatMinor(inv.Currency, priced[i].UnitMinor)) {
				t.Errorf("%s line %q does not end in its unit price", inv.Number, priced[i].Description)
			}
		}
		if totals.Discounts > 0 {
			discounted++
		}
		due := pricing.AmountDue(totals, inv.Credited, inv.Paid)
		want := ledger.StateIssued
		switch {
		case due == 0:
			want = ledger.StatePaid
		case inv.Paid > 0:
			want = ledger.StatePartiallyPaid
		}
		if inv.Paid != s.payments || inv.State != want || due < 0 {
			t.Errorf("%s: paid %d of %d in payments, %s with %d due; want %s", inv.Number, inv.Paid, s.payments, inv.State, due, want)
		}
	}
	if discounted == 0 {
		t.Error("no seeded invoice has the sibling discount")
	}
}
