package server

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/store"
)

func assetName(tenantID, homeID, assetID uuid.UUID) string {
	return homeName(tenantID, homeID) + "/assets/" + assetID.String()
}

func statusToDB(s string) (string, bool) {
	v, ok := assetsv1.Asset_Status_value[s]
	if !ok {
		v, ok = assetsv1.Asset_Status_value["STATUS_"+s]
	}
	if !ok || v == 0 {
		return "", false
	}
	return strings.ToLower(strings.TrimPrefix(assetsv1.Asset_Status(v).String(), "STATUS_")), true
}

func statusFromDB(s string) assetsv1.Asset_Status {
	return assetsv1.Asset_Status(assetsv1.Asset_Status_value["STATUS_"+strings.ToUpper(s)])
}

func assetToProto(a store.AssetsAsset) *assetsv1.Asset {
	out := &assetsv1.Asset{
		Name:                   assetName(a.TenantID, a.HomeID, a.AssetID),
		DisplayName:            a.DisplayName,
		Category:               "assetCategories/" + a.CategoryID,
		Make:                   a.Make,
		Model:                  a.Model,
		SerialNumber:           a.SerialNumber,
		InstallDate:            formatDate(a.InstallDate),
		PurchaseDate:           formatDate(a.PurchaseDate),
		ExpectedLifespanMonths: a.ExpectedLifespanMonths,
		WarrantyExpiryDate:     formatDate(a.WarrantyExpiryDate),
		Status:                 statusFromDB(a.Status),
		CreateTime:             timestamppb.New(a.CreateTime),
		UpdateTime:             timestamppb.New(a.UpdateTime),
		Etag:                   etag(a.Revision),
	}
	if a.PurchaseCostMinor.Valid {
		out.PurchaseCost = &typev1.Money{CurrencyCode: a.PurchaseCostCurrency.String, AmountMinor: a.PurchaseCostMinor.Int64}
	}
	if a.LocationID.Valid {
		out.Location = locationName(a.TenantID, a.HomeID, a.LocationID.UUID)
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
func (f *assetFields) apply(in *assetsv1.Asset, mask updateMask, tenantID, homeID uuid.UUID) error {
	var violations []apierror.FieldViolation
	bad := func(field, desc string) {
		violations = append(violations, apierror.FieldViolation{Field: "asset." + field, Description: desc})
	}
	date := func(field, v string, dst *pgtype.Date) {
		d, ok := parseDate(v)
		if !ok {
			bad(field, "must be a calendar date YYYY-MM-DD")
			return
		}
		*dst = d
	}
	if mask.has("display_name") {
		if in.GetDisplayName() == "" {
			bad("display_name", "is required")
		}
		f.displayName = in.GetDisplayName()
	}
	if mask.has("category") {
		id, ok := strings.CutPrefix(in.GetCategory(), "assetCategories/")
		if !ok || id == "" {
			bad("category", "is required, e.g. assetCategories/water-heater")
		}
		f.categoryID = id
	}
	if mask.has("make") {
		f.make = in.GetMake()
	}
	if mask.has("model") {
		f.model = in.GetModel()
	}
	if mask.has("serial_number") {
		f.serial = in.GetSerialNumber()
	}
	if mask.has("install_date") {
		date("install_date", in.GetInstallDate(), &f.install)
	}
	if mask.has("purchase_date") {
		date("purchase_date", in.GetPurchaseDate(), &f.purchase)
	}
	if mask.has("warranty_expiry_date") {
		date("warranty_expiry_date", in.GetWarrantyExpiryDate(), &f.warranty)
	}
	if mask.has("purchase_cost") {
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
	if mask.has("expected_lifespan_months") {
		f.lifespan = in.GetExpectedLifespanMonths()
	}
	if mask.has("location") {
		f.locationID = uuid.NullUUID{}
		if in.GetLocation() != "" {
			ids, err := resname.Parse("asset.location", in.GetLocation(), false, "tenants", "homes", "locations")
			switch {
			case err != nil:
				bad("location", "must be a location resource name")
			case ids[0] != tenantID || ids[1] != homeID:
				bad("location", "must be a location of the asset's own home")
			default:
				f.locationID = uuid.NullUUID{UUID: ids[2], Valid: true}
			}
		}
	}
	if mask.has("status") {
		f.status = "in_service"
		if in.GetStatus() != assetsv1.Asset_STATUS_UNSPECIFIED {
			f.status, _ = statusToDB(in.GetStatus().String())
		}
	}
	if mask.has("attributes") {
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

// assetWriteError names the field behind a foreign-key failure.
func assetWriteError(err error) error {
	switch {
	case violatesConstraint(err, "assets_category_id_fkey"):
		return apierror.InvalidField("asset.category", "is not in the catalogue (see ListAssetCategories)")
	case violatesConstraint(err, "assets_tenant_id_home_id_location_id_fkey"):
		return apierror.InvalidField("asset.location", "no such location in this home")
	}
	return err
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
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsCategory) []string { return []string{r.CategoryID} })
	resp := &assetsv1.ListAssetCategoriesResponse{NextPageToken: next}
	for _, r := range rows {
		resp.AssetCategories = append(resp.AssetCategories, &assetsv1.AssetCategory{
			Name: "assetCategories/" + r.CategoryID, DisplayName: r.DisplayName,
			Description: r.Description, TypicalLifespanMonths: r.TypicalLifespanMonths,
		})
	}
	return resp, nil
}

func (s *Server) CreateAsset(ctx context.Context, req *assetsv1.CreateAssetRequest) (*assetsv1.Asset, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	f := assetFields{}
	if err := f.apply(req.GetAsset(), allFields(mutableAssetFields...), ids[0], ids[1]); err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	rid := requestID(req.GetRequestId())
	row, err := q.CreateAsset(ctx, store.CreateAssetParams{
		TenantID: ids[0], HomeID: ids[1], AssetID: uuid.Must(uuid.NewV7()),
		DisplayName: f.displayName, CategoryID: f.categoryID, Make: f.make, Model: f.model, SerialNumber: f.serial,
		InstallDate: f.install, PurchaseDate: f.purchase, PurchaseCostMinor: f.costMinor, PurchaseCostCurrency: f.costCurrency,
		ExpectedLifespanMonths: f.lifespan, WarrantyExpiryDate: f.warranty, LocationID: f.locationID,
		Status: f.status, Attributes: f.attributes, RequestID: rid,
	})
	if errors.Is(err, pgx.ErrNoRows) && rid.Valid {
		row, err = q.GetAssetByRequestID(ctx, store.GetAssetByRequestIDParams{TenantID: ids[0], RequestID: rid})
	}
	if violatesConstraint(err, "assets_tenant_id_home_id_fkey") {
		return nil, apierror.NotFound(req.GetParent())
	}
	if err != nil {
		return nil, assetWriteError(err)
	}
	if row.HomeID != ids[1] {
		return nil, apierror.FailedPrecondition("REQUEST_ID_REUSED", "request_id was already used to create an asset in another home")
	}
	return assetToProto(row), nil
}

func (s *Server) GetAsset(ctx context.Context, req *assetsv1.GetAssetRequest) (*assetsv1.Asset, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
	row, err := store.New(s.db.Scoped(ctx)).GetAsset(ctx, store.GetAssetParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2]})
	if err != nil {
		return nil, notFoundAs(err, req.GetName())
	}
	return assetToProto(row), nil
}

func (s *Server) ListAssets(ctx context.Context, req *assetsv1.ListAssetsRequest) (*assetsv1.ListAssetsResponse, error) {
	ids, err := resname.Parse("parent", req.GetParent(), true, "tenants", "homes")
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent(), req.GetFilter())
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(req.GetPageSize())
	p := store.ListAssetsParams{TenantID: ids[0], AfterID: after, PageLimit: size + 1}
	if ids[1] != uuid.Nil {
		p.HomeID = uuid.NullUUID{UUID: ids[1], Valid: true}
	}
	if err := applyAssetFilter(req.GetFilter(), ids[0], &p); err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	rows, err := q.ListAssets(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 && p.HomeID.Valid {
		if err := checkHomeExists(ctx, q, ids[0], ids[1], req.GetParent()); err != nil {
			return nil, err
		}
	}
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsAsset) []string { return []string{r.AssetID.String()} }, req.GetParent(), req.GetFilter())
	resp := &assetsv1.ListAssetsResponse{NextPageToken: next}
	for _, r := range rows {
		resp.Assets = append(resp.Assets, assetToProto(r))
	}
	return resp, nil
}

func (s *Server) UpdateAsset(ctx context.Context, req *assetsv1.UpdateAssetRequest) (*assetsv1.Asset, error) {
	in := req.GetAsset()
	ids, err := resname.Parse("asset.name", in.GetName(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
	mask, err := resolveMask(req.GetUpdateMask(), in, mutableAssetFields...)
	if err != nil {
		return nil, err
	}
	var out store.AssetsAsset
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetAssetForUpdate(ctx, store.GetAssetForUpdateParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2]})
		if err != nil {
			return notFoundAs(err, in.GetName())
		}
		if err := checkEtag(in.GetEtag(), cur.Revision, in.GetName()); err != nil {
			return err
		}
		f := fieldsFromRow(cur)
		if err := f.apply(in, mask, ids[0], ids[1]); err != nil {
			return err
		}
		out, err = q.UpdateAsset(ctx, store.UpdateAssetParams{
			TenantID: cur.TenantID, AssetID: cur.AssetID,
			DisplayName: f.displayName, CategoryID: f.categoryID, Make: f.make, Model: f.model, SerialNumber: f.serial,
			InstallDate: f.install, PurchaseDate: f.purchase, PurchaseCostMinor: f.costMinor, PurchaseCostCurrency: f.costCurrency,
			ExpectedLifespanMonths: f.lifespan, WarrantyExpiryDate: f.warranty, LocationID: f.locationID,
			Status: f.status, Attributes: f.attributes,
		})
		return assetWriteError(err)
	})
	if err != nil {
		return nil, err
	}
	return assetToProto(out), nil
}

func (s *Server) DeleteAsset(ctx context.Context, req *assetsv1.DeleteAssetRequest) (*emptypb.Empty, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
	var blobKeys []string
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := store.New(tx)
		cur, err := q.GetAssetForUpdate(ctx, store.GetAssetForUpdateParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2]})
		if err != nil {
			return notFoundAs(err, req.GetName())
		}
		if err := checkEtag(req.GetEtag(), cur.Revision, req.GetName()); err != nil {
			return err
		}
		if blobKeys, err = q.ListAttachmentBlobKeys(ctx, store.ListAttachmentBlobKeysParams{TenantID: ids[0], AssetID: ids[2]}); err != nil {
			return err
		}
		_, err = q.DeleteAsset(ctx, store.DeleteAssetParams{TenantID: ids[0], AssetID: ids[2]})
		return err
	})
	if err != nil {
		return nil, err
	}
	// Content goes only after the rows are gone; a failure leaves an orphan
	// file, never a row pointing at nothing.
	for _, k := range blobKeys {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), k); err != nil {
			s.logger.Warn("orphaned attachment content", "key", k, "error", err)
		}
	}
	return &emptypb.Empty{}, nil
}
