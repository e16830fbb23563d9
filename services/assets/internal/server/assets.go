package server

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

var assetStatuses = aip.NewEnum(assetsv1.Asset_STATUS_IN_SERVICE)

var assets = aip.Resource[*store.Queries, store.AssetsAsset, *assetsv1.Asset]{
	Pattern:    assetPattern,
	Parent:     homePattern,
	ListParent: &anyHomePattern,
	Queries:    queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsAsset, error) {
		return q.GetAsset(ctx, store.GetAssetParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), AssetID: n.ID("asset")})
	},
	Lock:     lockAsset,
	Revision: func(a store.AssetsAsset) int64 { return a.Revision },
	Mutable:  mutableAssetFields,
	ByRequestID: func(ctx context.Context, q *store.Queries, parent resname.Name, rid uuid.NullUUID) (store.AssetsAsset, error) {
		return q.GetAssetByRequestID(ctx, store.GetAssetByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(a store.AssetsAsset) []byte { return a.RequestFingerprint },
	ParentExists: func(ctx context.Context, q *store.Queries, parent resname.Name) (bool, error) {
		if parent.IsWildcard("home") {
			return true, nil // every home of the tenant: an empty list is an answer
		}
		return homeExists(ctx, q, parent)
	},
	Proto: assetToProto,
}

// anyHomePattern is a home, or "-" for every home of the tenant (AIP-159).
var anyHomePattern = homePattern.WithWildcards("home")

func lockAsset(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsAsset, error) {
	return q.GetAssetForUpdate(ctx, store.GetAssetForUpdateParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), AssetID: n.ID("asset")})
}

func assetToProto(a store.AssetsAsset, _ resname.Name) *assetsv1.Asset {
	out := &assetsv1.Asset{
		Name:                   assetPattern.Format(a.TenantID, a.HomeID, a.AssetID),
		DisplayName:            a.DisplayName,
		Category:               categoryPattern.FormatIDs(a.CategoryID),
		Make:                   a.Make,
		Model:                  a.Model,
		SerialNumber:           a.SerialNumber,
		InstallDate:            aip.FormatDate(a.InstallDate),
		PurchaseDate:           aip.FormatDate(a.PurchaseDate),
		ExpectedLifespanMonths: a.ExpectedLifespanMonths,
		WarrantyExpiryDate:     aip.FormatDate(a.WarrantyExpiryDate),
		Status:                 assetStatuses.FromDB(a.Status),
		CreateTime:             timestamppb.New(a.CreateTime),
		UpdateTime:             timestamppb.New(a.UpdateTime),
		Etag:                   aip.Etag(a.Revision),
	}
	if a.PurchaseCostMinor.Valid {
		out.PurchaseCost = &typev1.Money{CurrencyCode: a.PurchaseCostCurrency.String, AmountMinor: a.PurchaseCostMinor.Int64}
	}
	if a.LocationID.Valid {
		out.Location = locationPattern.Format(a.TenantID, a.HomeID, a.LocationID.UUID)
	}
	_ = json.Unmarshal(a.Attributes, &out.Attributes) // written by us as a string map
	return out
}

// assetFields is the part of an asset row a client may set.
type assetFields struct {
	displayName, categoryID, make, model, serial string
	install, purchase, warranty                  pgtype.Date
	costMinor                                    pgtype.Int8
	costCurrency                                 pgtype.Text
	lifespan                                     int32
	locationID                                   uuid.NullUUID
	status                                       string
	attributes                                   []byte
}

func fieldsFromRow(a store.AssetsAsset) assetFields {
	return assetFields{
		displayName: a.DisplayName, categoryID: a.CategoryID, make: a.Make, model: a.Model, serial: a.SerialNumber,
		install: a.InstallDate, purchase: a.PurchaseDate, warranty: a.WarrantyExpiryDate,
		costMinor: a.PurchaseCostMinor, costCurrency: a.PurchaseCostCurrency, lifespan: a.ExpectedLifespanMonths,
		locationID: a.LocationID, status: a.Status, attributes: a.Attributes,
	}
}

// mutableAssetFields are the fields UpdateAsset may change.
var mutableAssetFields = []string{
	"display_name", "category", "make", "model", "serial_number", "install_date", "purchase_date",
	"purchase_cost", "expected_lifespan_months", "warranty_expiry_date", "location", "status", "attributes",
}

// apply copies the fields in mask from in to f, checking each. A purchase
// cost is one value: a sub-path such as purchase_cost.amount_minor replaces it
// whole, so an amount never pairs with a stale currency.
func (f *assetFields) apply(in *assetsv1.Asset, mask aip.Mask, tenantID, homeID uuid.UUID) error {
	var violations []apierror.FieldViolation
	bad := func(field, desc string) {
		violations = append(violations, apierror.FieldViolation{Field: "asset." + field, Description: desc})
	}
	date := func(field, v string, dst *pgtype.Date) {
		d, ok := aip.ParseDate(v)
		if !ok {
			bad(field, "must be a calendar date YYYY-MM-DD")
			return
		}
		*dst = d
	}
	if mask.Has("display_name") {
		if in.GetDisplayName() == "" {
			bad("display_name", "is required")
		}
		f.displayName = in.GetDisplayName()
	}
	if mask.Has("category") {
		c, err := categoryPattern.Parse("asset.category", in.GetCategory())
		if err != nil {
			bad("category", "is required, e.g. assetCategories/water-heater")
		} else {
			f.categoryID = c.IDText("asset_category")
		}
	}
	if mask.Has("make") {
		f.make = in.GetMake()
	}
	if mask.Has("model") {
		f.model = in.GetModel()
	}
	if mask.Has("serial_number") {
		f.serial = in.GetSerialNumber()
	}
	if mask.Has("install_date") {
		date("install_date", in.GetInstallDate(), &f.install)
	}
	if mask.Has("purchase_date") {
		date("purchase_date", in.GetPurchaseDate(), &f.purchase)
	}
	if mask.Has("warranty_expiry_date") {
		date("warranty_expiry_date", in.GetWarrantyExpiryDate(), &f.warranty)
	}
	if mask.Has("purchase_cost") {
		if c := in.GetPurchaseCost(); c != nil {
			if c.GetCurrencyCode() == "" {
				bad("purchase_cost.currency_code", "is required with an amount")
			}
			f.costMinor = pgtype.Int8{Int64: c.GetAmountMinor(), Valid: true}
			f.costCurrency = pgtype.Text{String: c.GetCurrencyCode(), Valid: true}
		} else {
			f.costMinor, f.costCurrency = pgtype.Int8{}, pgtype.Text{}
		}
	}
	if mask.Has("expected_lifespan_months") {
		f.lifespan = in.GetExpectedLifespanMonths()
	}
	if mask.Has("location") {
		f.locationID = uuid.NullUUID{}
		if in.GetLocation() != "" {
			loc, err := locationPattern.Parse("asset.location", in.GetLocation())
			switch {
			case err != nil:
				bad("location", "must be a location resource name")
			case loc.ID("tenant") != tenantID || loc.ID("home") != homeID:
				bad("location", "must be a location of the asset's own home")
			default:
				f.locationID = uuid.NullUUID{UUID: loc.ID("location"), Valid: true}
			}
		}
	}
	if mask.Has("status") {
		f.status = assetStatuses.ToDB(in.GetStatus())
	}
	if mask.Has("attributes") {
		attrs := in.GetAttributes()
		if attrs == nil {
			attrs = map[string]string{}
		}
		f.attributes, _ = json.Marshal(attrs)
	}
	if len(violations) > 0 {
		return apierror.InvalidArgument(violations...)
	}
	return nil
}

func categoryToProto(r store.AssetsCategory) *assetsv1.AssetCategory {
	return &assetsv1.AssetCategory{
		Name: categoryPattern.FormatIDs(r.CategoryID), DisplayName: r.DisplayName,
		Description: r.Description, TypicalLifespanMonths: r.TypicalLifespanMonths,
	}
}

func (s *Server) ListAssetCategories(ctx context.Context, req *assetsv1.ListAssetCategoriesRequest) (*assetsv1.ListAssetCategoriesResponse, error) {
	key, err := pagetoken.Decode(req.GetPageToken(), 1)
	if err != nil {
		return nil, err
	}
	after := ""
	if key != nil {
		after = key[0]
	}
	size := pagetoken.Size(req.GetPageSize())
	rows, err := store.New(s.db.Unscoped()).UnscopedListCategories(ctx, store.UnscopedListCategoriesParams{AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	resp := &assetsv1.ListAssetCategoriesResponse{}
	resp.AssetCategories, resp.NextPageToken = pagetoken.Page(rows, size, func(r store.AssetsCategory) []string { return []string{r.CategoryID} }, categoryToProto)
	return resp, nil
}

func (s *Server) CreateAsset(ctx context.Context, req *assetsv1.CreateAssetRequest) (*assetsv1.Asset, error) {
	return assets.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, parent resname.Name, key aip.Idempotency) (store.AssetsAsset, error) {
		f := assetFields{}
		if err := f.apply(req.GetAsset(), aip.AllFields(mutableAssetFields...), parent.ID("tenant"), parent.ID("home")); err != nil {
			return store.AssetsAsset{}, err
		}
		return q.CreateAsset(ctx, store.CreateAssetParams{
			TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), AssetID: uuid.Must(uuid.NewV7()),
			DisplayName: f.displayName, CategoryID: f.categoryID, Make: f.make, Model: f.model, SerialNumber: f.serial,
			InstallDate: f.install, PurchaseDate: f.purchase, PurchaseCostMinor: f.costMinor, PurchaseCostCurrency: f.costCurrency,
			ExpectedLifespanMonths: f.lifespan, WarrantyExpiryDate: f.warranty, LocationID: f.locationID,
			Status: f.status, Attributes: f.attributes, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
	})
}

func (s *Server) GetAsset(ctx context.Context, req *assetsv1.GetAssetRequest) (*assetsv1.Asset, error) {
	return assets.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) ListAssets(ctx context.Context, req *assetsv1.ListAssetsRequest) (*assetsv1.ListAssetsResponse, error) {
	page, next, err := assets.List(ctx, s.db, req, func(a store.AssetsAsset) uuid.UUID { return a.AssetID }, func(q *store.Queries, pg aip.Page) ([]store.AssetsAsset, error) {
		p := store.ListAssetsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit}
		if !pg.Parent.IsWildcard("home") {
			p.HomeID = uuid.NullUUID{UUID: pg.Parent.ID("home"), Valid: true}
		}
		if err := applyAssetFilter(req.GetFilter(), p.TenantID, &p); err != nil {
			return nil, err
		}
		return q.ListAssets(ctx, p)
	}, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &assetsv1.ListAssetsResponse{Assets: page, NextPageToken: next}, nil
}

func (s *Server) UpdateAsset(ctx context.Context, req *assetsv1.UpdateAssetRequest) (*assetsv1.Asset, error) {
	return assets.Update(ctx, s.db, req, func(q *store.Queries, cur store.AssetsAsset, mask aip.Mask) (store.AssetsAsset, error) {
		f := fieldsFromRow(cur)
		if err := f.apply(req.GetAsset(), mask, cur.TenantID, cur.HomeID); err != nil {
			return cur, err
		}
		return q.UpdateAsset(ctx, store.UpdateAssetParams{
			TenantID: cur.TenantID, AssetID: cur.AssetID,
			DisplayName: f.displayName, CategoryID: f.categoryID, Make: f.make, Model: f.model, SerialNumber: f.serial,
			InstallDate: f.install, PurchaseDate: f.purchase, PurchaseCostMinor: f.costMinor, PurchaseCostCurrency: f.costCurrency,
			ExpectedLifespanMonths: f.lifespan, WarrantyExpiryDate: f.warranty, LocationID: f.locationID,
			Status: f.status, Attributes: f.attributes,
		})
	})
}

func (s *Server) DeleteAsset(ctx context.Context, req *assetsv1.DeleteAssetRequest) (*emptypb.Empty, error) {
	var blobKeys []string
	resp, err := assets.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.AssetsAsset) (err error) {
		if blobKeys, err = q.ListAttachmentBlobKeys(ctx, store.ListAttachmentBlobKeysParams{TenantID: cur.TenantID, AssetID: cur.AssetID}); err != nil {
			return err
		}
		return q.DeleteAsset(ctx, store.DeleteAssetParams{TenantID: cur.TenantID, AssetID: cur.AssetID})
	})
	if err != nil {
		return nil, err
	}
	// Content goes only after the rows are gone; a failure leaves an orphan
	// file, never a row pointing at nothing.
	s.deleteBlobs(ctx, blobKeys...)
	return resp, nil
}
