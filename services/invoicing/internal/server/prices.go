package server

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/invoicing/internal/ledger"
	"steward.dev/services/invoicing/internal/pricing"
	"steward.dev/services/invoicing/internal/store"
)

// PriceServer implements invoicingv1.PriceServiceServer.
type PriceServer struct {
	invoicingv1.UnimplementedPriceServiceServer
	db *tenantdb.DB
}

// NewPriceServer returns a PriceServer over db.
func NewPriceServer(db *tenantdb.DB) *PriceServer { return &PriceServer{db: db} }

// The billing settings' fields an update may change.
var settingsMutable = []string{"tax_label", "tax_rate_basis_points", "price_mode", "rounding", "legal_name", "tax_id",
	"address", "payment_terms_days", "payment_instructions"}

func (s *PriceServer) GetBillingSettings(ctx context.Context, req *invoicingv1.GetBillingSettingsRequest) (*invoicingv1.BillingSettings, error) {
	n, err := settingsPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	row, err := ledger.Settings(ctx, queries(s.db.Scoped(ctx)), n.ID("tenant"))
	if err != nil {
		return nil, err
	}
	return settingsToProto(row), nil
}

func (s *PriceServer) UpdateBillingSettings(ctx context.Context, req *invoicingv1.UpdateBillingSettingsRequest) (*invoicingv1.BillingSettings, error) {
	in := req.GetBillingSettings()
	n, err := settingsPattern.Parse("billing_settings.name", in.GetName())
	if err != nil {
		return nil, err
	}
	mask, err := aip.ResolveMask(req.GetUpdateMask(), in, settingsMutable...)
	if err != nil {
		return nil, err
	}
	var out *invoicingv1.BillingSettings
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		tenant := n.ID("tenant")
		// The defaults become a row at their revision, so that the first
		// update, too, locks what it changes and checks its etag.
		if err := q.EnsureBillingSettings(ctx, tenant); err != nil {
			return err
		}
		cur, err := q.LockBillingSettings(ctx, tenant)
		if err != nil {
			return err
		}
		if err := aip.CheckEtag(in.GetEtag(), cur.Revision, in.GetName()); err != nil {
			return err
		}
		p := store.UpdateBillingSettingsParams{TenantID: tenant, TaxLabel: cur.TaxLabel, TaxRateBp: cur.TaxRateBp, PriceMode: cur.PriceMode,
			Rounding: cur.Rounding, LegalName: cur.LegalName, TaxID: cur.TaxID, Address: cur.Address,
			PaymentTermsDays: cur.PaymentTermsDays, PaymentInstructions: cur.PaymentInstructions}
		take(mask, "tax_label", &p.TaxLabel, in.GetTaxLabel())
		take(mask, "tax_rate_basis_points", &p.TaxRateBp, in.GetTaxRateBasisPoints())
		take(mask, "legal_name", &p.LegalName, in.GetLegalName())
		take(mask, "tax_id", &p.TaxID, in.GetTaxId())
		take(mask, "address", &p.Address, in.GetAddress())
		take(mask, "payment_terms_days", &p.PaymentTermsDays, in.GetPaymentTermsDays())
		take(mask, "payment_instructions", &p.PaymentInstructions, in.GetPaymentInstructions())
		if mask.Has("price_mode") {
			m, ok := priceModes[in.GetPriceMode()]
			if !ok {
				return apierror.InvalidField("billing_settings.price_mode", "is required: TAX_INCLUSIVE or TAX_EXCLUSIVE")
			}
			p.PriceMode = m
		}
		if mask.Has("rounding") {
			r, ok := roundings[in.GetRounding()]
			if !ok {
				return apierror.InvalidField("billing_settings.rounding", "is required: PER_INVOICE or PER_LINE")
			}
			p.Rounding = r
		}
		if p.TaxLabel == "" {
			return apierror.InvalidField("billing_settings.tax_label", "cannot be empty")
		}
		row, err := q.UpdateBillingSettings(ctx, p)
		if err != nil {
			return err
		}
		out = settingsToProto(row)
		return nil
	})
	return out, err
}

// The schema's texts of the settings' enums.
var (
	priceModes = map[invoicingv1.BillingSettings_PriceMode]string{
		invoicingv1.BillingSettings_PRICE_MODE_TAX_INCLUSIVE: "inclusive", invoicingv1.BillingSettings_PRICE_MODE_TAX_EXCLUSIVE: "exclusive"}
	roundings = map[invoicingv1.BillingSettings_Rounding]string{
		invoicingv1.BillingSettings_ROUNDING_PER_INVOICE: "invoice", invoicingv1.BillingSettings_ROUNDING_PER_LINE: "line"}
)

func priceModeOf(m pricing.Mode) invoicingv1.BillingSettings_PriceMode {
	if m == pricing.TaxExclusive {
		return invoicingv1.BillingSettings_PRICE_MODE_TAX_EXCLUSIVE
	}
	return invoicingv1.BillingSettings_PRICE_MODE_TAX_INCLUSIVE
}

func roundingOf(r pricing.Rounding) invoicingv1.BillingSettings_Rounding {
	if r == pricing.PerLine {
		return invoicingv1.BillingSettings_ROUNDING_PER_LINE
	}
	return invoicingv1.BillingSettings_ROUNDING_PER_INVOICE
}

func settingsToProto(r store.InvoicingBillingSetting) *invoicingv1.BillingSettings {
	rule := ledger.RuleOf(r)
	out := &invoicingv1.BillingSettings{Name: settingsPattern.Format(r.TenantID), TaxLabel: r.TaxLabel, TaxRateBasisPoints: r.TaxRateBp,
		PriceMode: priceModeOf(rule.Mode), Rounding: roundingOf(rule.Rounding), LegalName: r.LegalName, TaxId: r.TaxID,
		Address: r.Address, PaymentTermsDays: r.PaymentTermsDays, PaymentInstructions: r.PaymentInstructions, Etag: aip.Etag(r.Revision)}
	if !r.UpdateTime.IsZero() {
		out.UpdateTime = timestamppb.New(r.UpdateTime)
	}
	return out
}

// priceList is a price list with its rates.
type priceList struct {
	store.InvoicingPriceList
	rates []store.InvoicingPriceRate
}

var priceLists = aip.Resource[*store.Queries, priceList, *invoicingv1.PriceList]{
	Pattern: priceListPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (priceList, error) {
		row, err := q.GetPriceList(ctx, store.GetPriceListParams{TenantID: n.ID("tenant"), PriceListID: n.ID("price_list")})
		if err != nil {
			return priceList{}, err
		}
		return withRates(ctx, q, row)
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (priceList, error) {
		row, err := q.LockPriceList(ctx, store.LockPriceListParams{TenantID: n.ID("tenant"), PriceListID: n.ID("price_list")})
		if err != nil {
			return priceList{}, err
		}
		return withRates(ctx, q, row)
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (priceList, error) {
		row, err := q.PriceListCreatedBy(ctx, store.PriceListCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
		if err != nil {
			return priceList{}, err
		}
		return withRates(ctx, q, row)
	},
	Revision:    func(r priceList) int64 { return r.Revision },
	Fingerprint: func(r priceList) []byte { return r.RequestFingerprint },
	// term and currency_code are fixed at create: listed so that a price
	// list sent back as read updates, refused when they would change.
	Mutable: []string{"display_name", "rates", "term", "currency_code"},
	Proto:   func(r priceList, _ resname.Name) *invoicingv1.PriceList { return priceListToProto(r) },
}

func withRates(ctx context.Context, q *store.Queries, row store.InvoicingPriceList) (priceList, error) {
	rates, err := q.ListPriceRates(ctx, store.ListPriceRatesParams{TenantID: row.TenantID, PriceListIds: []uuid.UUID{row.PriceListID}})
	return priceList{row, rates}, err
}

func priceListToProto(r priceList) *invoicingv1.PriceList {
	out := &invoicingv1.PriceList{Name: priceListPattern.Format(r.TenantID, r.PriceListID), Term: termPattern.Format(r.TenantID, r.TermID),
		DisplayName: r.DisplayName, CurrencyCode: r.Currency, CreateTime: timestamppb.New(r.CreateTime),
		UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision)}
	for _, rate := range r.rates {
		pr := &invoicingv1.PriceRate{GroupWeek: money(r.Currency, rate.GroupWeekMinor), IndividualWeek: money(r.Currency, rate.IndividualWeekMinor)}
		if rate.ClassID.Valid {
			pr.Class = classPattern.Format(r.TenantID, rate.ClassID.UUID)
		}
		if rate.InstrumentID.Valid {
			pr.Instrument = instrumentPattern.Format(r.TenantID, rate.InstrumentID.UUID)
		}
		out.Rates = append(out.Rates, pr)
	}
	return out
}

// Rates are the price list's rates as pricing reads them.
func Rates(rows []store.InvoicingPriceRate) []pricing.Rate {
	out := make([]pricing.Rate, len(rows))
	for i, r := range rows {
		out[i] = pricing.Rate{ClassID: r.ClassID.UUID, InstrumentID: r.InstrumentID.UUID, GroupWeekMinor: r.GroupWeekMinor,
			IndividualWeekMinor: r.IndividualWeekMinor}
	}
	return out
}

// ratesFromProto checks requested rates, in currency and of the tenant, and
// returns the query's parallel arrays.
func ratesFromProto(in []*invoicingv1.PriceRate, currency string, tenant uuid.UUID) (store.CreatePriceRatesParams, error) {
	var p store.CreatePriceRatesParams
	for i, r := range in {
		field := "price_list.rates[" + strconv.Itoa(i) + "]"
		var class, instrument uuid.UUID
		if r.GetClass() != "" {
			n, err := classPattern.Parse(field+".class", r.GetClass())
			if err != nil {
				return p, err
			}
			if err := sameTenant(field+".class", n, tenant); err != nil {
				return p, err
			}
			class = n.ID("class")
		}
		if r.GetInstrument() != "" {
			n, err := instrumentPattern.Parse(field+".instrument", r.GetInstrument())
			if err != nil {
				return p, err
			}
			if err := sameTenant(field+".instrument", n, tenant); err != nil {
				return p, err
			}
			instrument = n.ID("instrument")
		}
		if class != uuid.Nil && instrument != uuid.Nil {
			return p, apierror.InvalidField(field, "is for a class or for an instrument, not both")
		}
		group, err := amountIn(field+".group_week", r.GetGroupWeek(), currency)
		if err != nil {
			return p, err
		}
		individual, err := amountIn(field+".individual_week", r.GetIndividualWeek(), currency)
		if err != nil {
			return p, err
		}
		p.Positions = append(p.Positions, int32(i))
		p.ClassIds = append(p.ClassIds, class)
		p.InstrumentIds = append(p.InstrumentIds, instrument)
		p.GroupWeekMinors = append(p.GroupWeekMinors, group)
		p.IndividualWeekMinors = append(p.IndividualWeekMinors, individual)
	}
	return p, nil
}

func writeRates(ctx context.Context, q *store.Queries, p store.CreatePriceRatesParams, tenant, list uuid.UUID) error {
	if len(p.Positions) == 0 {
		return nil
	}
	p.TenantID, p.PriceListID = tenant, list
	return q.CreatePriceRates(ctx, p)
}

func (s *PriceServer) CreatePriceList(ctx context.Context, req *invoicingv1.CreatePriceListRequest) (*invoicingv1.PriceList, error) {
	in := req.GetPriceList()
	return priceLists.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (priceList, error) {
		tenant := p.ID("tenant")
		if in.GetTerm() == "" {
			return priceList{}, apierror.InvalidField("price_list.term", "is required")
		}
		term, err := termPattern.Parse("price_list.term", in.GetTerm())
		if err != nil {
			return priceList{}, err
		}
		if err := sameTenant("price_list.term", term, tenant); err != nil {
			return priceList{}, err
		}
		if in.GetCurrencyCode() == "" {
			return priceList{}, apierror.InvalidField("price_list.currency_code", "is required")
		}
		rates, err := ratesFromProto(in.GetRates(), in.GetCurrencyCode(), tenant)
		if err != nil {
			return priceList{}, err
		}
		row, err := q.CreatePriceList(ctx, store.CreatePriceListParams{TenantID: tenant, PriceListID: uuid.Must(uuid.NewV7()),
			TermID: term.ID("term"), DisplayName: in.GetDisplayName(), Currency: in.GetCurrencyCode(),
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
		if err != nil {
			return priceList{}, err
		}
		if err := writeRates(ctx, q, rates, tenant, row.PriceListID); err != nil {
			return priceList{}, err
		}
		return withRates(ctx, q, row)
	})
}

func (s *PriceServer) GetPriceList(ctx context.Context, req *invoicingv1.GetPriceListRequest) (*invoicingv1.PriceList, error) {
	return priceLists.Get(ctx, s.db, "name", req.GetName())
}

func (s *PriceServer) ListPriceLists(ctx context.Context, req *invoicingv1.ListPriceListsRequest) (*invoicingv1.ListPriceListsResponse, error) {
	page, next, err := priceLists.List(ctx, s.db, req, func(r priceList) uuid.UUID { return r.PriceListID },
		func(q *store.Queries, pg aip.Page) ([]priceList, error) {
			tenant := pg.Parent.ID("tenant")
			p := store.ListPriceListsParams{TenantID: tenant, BeforeID: pg.After, PageLimit: pg.Limit}
			err := aip.ApplyFilter(req.GetFilter(), aip.FilterField{Name: "term", Bind: func(f *aip.Filter, t aip.Term) error {
				n, err := termPattern.Parse("filter", t.Value)
				if err != nil || t.Op != "=" {
					return aip.FilterError(`term supports only = "tenants/…/terms/…"`)
				}
				return aip.SetOnce(f, t, &p.TermID, uuid.NullUUID{UUID: n.ID("term"), Valid: true})
			}})
			if err != nil {
				return nil, err
			}
			rows, err := q.ListPriceLists(ctx, p)
			if err != nil || len(rows) == 0 {
				return nil, err
			}
			ids := make([]uuid.UUID, len(rows))
			for i, r := range rows {
				ids[i] = r.PriceListID
			}
			rates, err := q.ListPriceRates(ctx, store.ListPriceRatesParams{TenantID: tenant, PriceListIds: ids})
			if err != nil {
				return nil, err
			}
			byList := map[uuid.UUID][]store.InvoicingPriceRate{}
			for _, r := range rates {
				byList[r.PriceListID] = append(byList[r.PriceListID], r)
			}
			out := make([]priceList, len(rows))
			for i, r := range rows {
				out[i] = priceList{r, byList[r.PriceListID]}
			}
			return out, nil
		}, req.GetFilter())
	return &invoicingv1.ListPriceListsResponse{PriceLists: page, NextPageToken: next}, err
}

func (s *PriceServer) UpdatePriceList(ctx context.Context, req *invoicingv1.UpdatePriceListRequest) (*invoicingv1.PriceList, error) {
	in := req.GetPriceList()
	return priceLists.Update(ctx, s.db, req, func(q *store.Queries, cur priceList, mask aip.Mask) (priceList, error) {
		if mask.Has("term") && in.GetTerm() != termPattern.Format(cur.TenantID, cur.TermID) {
			return cur, apierror.InvalidField("price_list.term", "is fixed when the price list is created")
		}
		if mask.Has("currency_code") && in.GetCurrencyCode() != cur.Currency {
			return cur, apierror.InvalidField("price_list.currency_code", "is fixed when the price list is created")
		}
		if mask.Has("rates") {
			rates, err := ratesFromProto(in.GetRates(), cur.Currency, cur.TenantID)
			if err != nil {
				return cur, err
			}
			if err := q.DeletePriceRates(ctx, store.DeletePriceRatesParams{TenantID: cur.TenantID, PriceListID: cur.PriceListID}); err != nil {
				return cur, err
			}
			if err := writeRates(ctx, q, rates, cur.TenantID, cur.PriceListID); err != nil {
				return cur, err
			}
		}
		name := cur.DisplayName
		take(mask, "display_name", &name, in.GetDisplayName())
		row, err := q.UpdatePriceList(ctx, store.UpdatePriceListParams{TenantID: cur.TenantID, PriceListID: cur.PriceListID, DisplayName: name})
		if err != nil {
			return cur, err
		}
		return withRates(ctx, q, row)
	})
}

func (s *PriceServer) DeletePriceList(ctx context.Context, req *invoicingv1.DeletePriceListRequest) (*emptypb.Empty, error) {
	return priceLists.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur priceList) error {
		return q.DeletePriceList(ctx, store.DeletePriceListParams{TenantID: cur.TenantID, PriceListID: cur.PriceListID})
	})
}

// termPrices reads the price list of a term: NO_PRICE_LIST when it has none.
func termPrices(ctx context.Context, q *store.Queries, tenant, term uuid.UUID) (priceList, error) {
	row, err := q.PriceListOfTerm(ctx, store.PriceListOfTermParams{TenantID: tenant, TermID: term})
	if errors.Is(err, pgx.ErrNoRows) {
		return priceList{}, apierror.FailedPrecondition(invoicingv1.ErrorReason_ERROR_REASON_NO_PRICE_LIST,
			termPattern.Format(tenant, term)+" has no price list")
	}
	if err != nil {
		return priceList{}, err
	}
	return withRates(ctx, q, row)
}
