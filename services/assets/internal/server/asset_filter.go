package server

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/aip"
	"steward.dev/services/assets/internal/store"
)

// applyAssetFilter sets the optional filters of p from the filter string:
// the fields ListAssets may filter on, bound to its query's parameters.
func applyAssetFilter(filter string, tenantID uuid.UUID, p *store.ListAssetsParams) error {
	return aip.ApplyFilter(filter,
		aip.FilterField{Name: "category", Bind: func(f *aip.Filter, t aip.Term) error {
			id := t.Value // a bare id, or the category's name
			if c, err := categoryPattern.Parse("filter", t.Value); err == nil {
				id = c.IDText("asset_category")
			}
			return aip.EqOrNe(f, t, &p.CategoryID, &p.CategoryIDNot, pgtype.Text{String: id, Valid: true})
		}},
		aip.FilterField{Name: "status", Bind: func(f *aip.Filter, t aip.Term) error {
			st, ok := assetStatuses.Parse(t.Value)
			if !ok {
				return aip.FilterError("status must be one of " + assetStatuses.Names())
			}
			return aip.EqOrNe(f, t, &p.Status, &p.StatusNot, pgtype.Text{String: assetStatuses.ToDB(st), Valid: true})
		}},
		aip.FilterField{Name: "location", Bind: func(f *aip.Filter, t aip.Term) error {
			loc, err := locationPattern.Parse("filter", t.Value)
			if err != nil || loc.ID("tenant") != tenantID {
				return aip.FilterError("location must be a location resource name of this tenant")
			}
			return aip.EqOrNe(f, t, &p.LocationID, &p.LocationIDNot, uuid.NullUUID{UUID: loc.ID("location"), Valid: true})
		}},
		aip.FilterField{Name: "make", Bind: func(f *aip.Filter, t aip.Term) error {
			if t.Op != "=" {
				return aip.FilterError("make supports only =")
			}
			return aip.SetOnce(f, t, &p.Make, pgtype.Text{String: t.Value, Valid: true})
		}},
		aip.FilterField{Name: "warranty_expiry_date", Bind: func(f *aip.Filter, t aip.Term) error {
			d, ok := aip.ParseDate(t.Value)
			if !ok || !d.Valid {
				return aip.FilterError("warranty_expiry_date needs a date YYYY-MM-DD")
			}
			switch t.Op {
			case "<":
				return aip.SetOnce(f, t, &p.WarrantyLt, d)
			case "<=":
				return aip.SetOnce(f, t, &p.WarrantyLte, d)
			case ">":
				return aip.SetOnce(f, t, &p.WarrantyGt, d)
			case ">=":
				return aip.SetOnce(f, t, &p.WarrantyGte, d)
			case "=":
				if err := aip.SetOnce(f, t, &p.WarrantyGte, d); err != nil {
					return err
				}
				return aip.SetOnce(f, t, &p.WarrantyLte, d)
			}
			return aip.FilterError("warranty_expiry_date does not support !=")
		}},
	)
}
