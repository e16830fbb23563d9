// Package sync keeps Maintenance's facts about homes, assets and meter
// readings (maintenance.home_facts, asset_facts, reading_facts) current from
// Asset Management's change feed, read through its API (ListAssetChanges)
// by a cursor kept per tenant in maintenance.feed_cursors, never from the
// assets schema. Each page of changes is applied in one tenant transaction
// that also moves the cursor, so facts and cursor never disagree.
//
// Refresh is called at the start of a read that needs current facts: while
// serving a request its calls relay the caller's credentials, in a job (a
// context from jobs.ForTenant) they carry the service's own identity; the
// rpcclient connection picks by the context. With nothing new it costs one
// Assets call, however many assets the tenant has.
//
// What the facts imply is applied with them: an asset retired or deleted
// retires its plans, and an asset seen for the first time gets the plan
// templates of its category.
package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/sync/singleflight"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// source is the feed_cursors row of Assets' feed.
const source = "assets"

// pageSize is how many changes one call asks for: the most Assets serves.
const pageSize = 1000

// ApplyTemplates creates the template plans of a newly seen asset's
// category in the transaction of tx (plan.ApplyCategoryTemplates), returning
// how many it created.
type ApplyTemplates func(ctx context.Context, tx tenantdb.DBTX, q *store.Queries, asset store.MaintenanceAssetFact) (int, error)

// Syncer copies one tenant's facts at a time from Assets' feed.
type Syncer struct {
	db        *tenantdb.DB
	assets    assetsv1.AssetServiceClient
	templates ApplyTemplates
	queue     Enqueuer // see KeepCurrent; nil enqueues no job
	pageSize  int32
	recent    refreshTimes       // see Refreshing
	inFlight  singleflight.Group // see Refreshing
}

// New returns a Syncer writing through db and reading the feed with assets,
// a connection from rpcclient.Dial (relay in requests, the service identity
// in jobs). templates is called for each asset the first time it is seen.
func New(db *tenantdb.DB, assets assetsv1.AssetServiceClient, templates ApplyTemplates) *Syncer {
	return &Syncer{db: db, assets: assets, templates: templates, pageSize: pageSize}
}

// Refresh applies every change Assets has committed for the tenant in
// ctx's scope that Maintenance has not applied yet. When it returns nil
// the facts are at least as current as Assets was when it was called.
// Pages applied before an error stay applied; the next Refresh resumes
// after them.
func (s *Syncer) Refresh(ctx context.Context) error {
	t, ok := scope.TenantFrom(ctx)
	if !ok {
		return tenantdb.ErrNoScope
	}
	cursor, err := store.New(s.db.Scoped(ctx)).GetFeedCursor(ctx, store.GetFeedCursorParams{TenantID: t.TenantID, Source: source})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	parent := tenantPattern.Format(t.TenantID)
	for {
		page, err := s.assets.ListAssetChanges(ctx, &assetsv1.ListAssetChangesRequest{Parent: parent, PageSize: s.pageSize, PageToken: cursor})
		if err != nil {
			return fmt.Errorf("sync: reading Assets' changes: %w", err)
		}
		// The token comes back unchanged when nothing is new. An empty page
		// with a new token passed changes of resources deleted since: the
		// cursor moves past them all the same.
		if page.GetNextPageToken() == cursor {
			return nil
		}
		if cursor, err = s.apply(ctx, t.TenantID, cursor, page); err != nil {
			return err
		}
	}
}

// apply writes one page read after cursor and moves the tenant's cursor to
// the page's end, returning where to read next. If another sync moved the
// cursor meanwhile, the page is dropped (the other applied it, or will
// read it again) and reading resumes from where that one left it.
func (s *Syncer) apply(ctx context.Context, tenantID uuid.UUID, cursor string, page *assetsv1.ListAssetChangesResponse) (string, error) {
	var next string
	err := s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		next = page.GetNextPageToken() // again on each attempt InTx makes
		q := store.New(tx)
		_, err := q.InsertFeedCursor(ctx, store.InsertFeedCursorParams{TenantID: tenantID, Source: source})
		switch {
		case err == nil: // the tenant's first sync
			if err := s.enqueueTenant(ctx, tx, tenantID); err != nil {
				return err
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		current, err := q.LockFeedCursor(ctx, store.LockFeedCursorParams{TenantID: tenantID, Source: source})
		if err != nil {
			return err
		}
		if current != cursor {
			next = current
			return nil
		}
		for _, c := range page.GetAssetChanges() {
			if err := s.applyChange(ctx, tx, q, tenantID, c); err != nil {
				return fmt.Errorf("sync: change %d: %w", c.GetSequence(), err)
			}
		}
		return q.SetFeedCursor(ctx, store.SetFeedCursorParams{TenantID: tenantID, Source: source, Cursor: next})
	})
	return next, err
}

// The resource names of Assets' contract.
var (
	tenantPattern  = resname.Of(&accountsv1.Tenant{})
	homePattern    = resname.Of(&assetsv1.Home{})
	assetPattern   = resname.Of(&assetsv1.Asset{})
	readingPattern = resname.Of(&assetsv1.MeterReading{})
)

var (
	assetStatuses = aip.NewEnum(assetsv1.Asset_STATUS_IN_SERVICE)
	units         = aip.NewEnum(assetsv1.MeterReading_UNIT_UNSPECIFIED)
)

// name parses a resource name of the feed, which must be of the tenant
// being synced: a fact is never written for another tenant, whatever the
// feed says.
func name(p resname.Pattern, field, value string, tenantID uuid.UUID) (resname.Name, error) {
	n, err := p.Parse(field, value)
	if err != nil {
		return n, err
	}
	if n.ID("tenant") != tenantID {
		return n, fmt.Errorf("%s %q is not of tenant %s", field, value, tenantID)
	}
	return n, nil
}

func (s *Syncer) applyChange(ctx context.Context, tx tenantdb.DBTX, q *store.Queries, tenantID uuid.UUID, c *assetsv1.AssetChange) error {
	switch x := c.GetChange().(type) {
	case *assetsv1.AssetChange_Home:
		n, err := name(homePattern, "home.name", x.Home.GetName(), tenantID)
		if err != nil {
			return err
		}
		return q.UpsertHomeFact(ctx, store.UpsertHomeFactParams{
			TenantID: tenantID, HomeID: n.ID("home"), DisplayName: x.Home.GetDisplayName(), TimeZone: x.Home.GetTimeZone(),
			Hemisphere: Hemisphere(x.Home.GetAddress().GetRegionCode()),
		})
	case *assetsv1.AssetChange_DeletedHome:
		n, err := name(homePattern, "deleted_home", x.DeletedHome, tenantID)
		if err != nil {
			return err
		}
		return q.MarkHomeFactDeleted(ctx, store.MarkHomeFactDeletedParams{TenantID: tenantID, HomeID: n.ID("home")})
	case *assetsv1.AssetChange_Asset:
		return s.applyAsset(ctx, tx, q, tenantID, x.Asset)
	case *assetsv1.AssetChange_DeletedAsset:
		n, err := name(assetPattern, "deleted_asset", x.DeletedAsset, tenantID)
		if err != nil {
			return err
		}
		// An asset deleted before Maintenance saw it has no fact to mark.
		if err := q.MarkAssetFactDeleted(ctx, store.MarkAssetFactDeletedParams{TenantID: tenantID, AssetID: n.ID("asset")}); err != nil {
			return err
		}
		_, err = q.RetireAssetPlans(ctx, store.RetireAssetPlansParams{TenantID: tenantID, AssetID: n.ID("asset")})
		return err
	case *assetsv1.AssetChange_MeterReading:
		r := x.MeterReading
		n, err := name(readingPattern, "meter_reading.name", r.GetName(), tenantID)
		if err != nil {
			return err
		}
		return q.InsertReadingFact(ctx, store.InsertReadingFactParams{
			TenantID: tenantID, AssetID: n.ID("asset"), ReadingID: n.ID("meter_reading"), Meter: r.GetMeter(),
			Unit: units.ToDB(r.GetUnit()), Value: r.GetValue(), ReadTime: r.GetReadTime().AsTime(), Reset: r.GetMeterReset(),
		})
	default:
		// A kind of change this build does not know: stopping here keeps the
		// cursor before it, so a newer build applies it rather than it being
		// passed unseen.
		return fmt.Errorf("unknown change %T", x)
	}
}

// applyAsset upserts an asset's fact; a new one gets its category's
// templates, a retired one has its plans retired.
func (s *Syncer) applyAsset(ctx context.Context, tx tenantdb.DBTX, q *store.Queries, tenantID uuid.UUID, a *assetsv1.Asset) error {
	n, err := name(assetPattern, "asset.name", a.GetName(), tenantID)
	if err != nil {
		return err
	}
	category, ok := strings.CutPrefix(a.GetCategory(), "assetCategories/")
	if !ok {
		return fmt.Errorf("asset.category %q is no category name", a.GetCategory())
	}
	f := store.InsertAssetFactParams{
		TenantID: tenantID, AssetID: n.ID("asset"), HomeID: n.ID("home"), DisplayName: a.GetDisplayName(), CategoryID: category,
		ExpectedLifespanMonths: a.GetExpectedLifespanMonths(), Status: assetStatuses.ToDB(a.GetStatus()),
	}
	f.InstallDate, _ = aip.ParseDate(a.GetInstallDate()) // "" (and, Assets having checked it, only "") is NULL
	f.PurchaseDate, _ = aip.ParseDate(a.GetPurchaseDate())
	f.WarrantyExpiryDate, _ = aip.ParseDate(a.GetWarrantyExpiryDate())
	if cost := a.GetPurchaseCost(); cost != nil {
		f.PurchaseCostMinor = pgtype.Int8{Int64: cost.GetAmountMinor(), Valid: true}
		f.PurchaseCostCurrency = pgtype.Text{String: cost.GetCurrencyCode(), Valid: true}
	}
	retired := a.GetStatus() == assetsv1.Asset_STATUS_RETIRED
	fact, err := q.InsertAssetFact(ctx, f)
	switch {
	case err == nil:
		if s.templates != nil && !retired {
			if _, err := s.templates(ctx, tx, q, fact); err != nil {
				return fmt.Errorf("applying the templates of %s: %w", category, err)
			}
		}
	case errors.Is(err, pgx.ErrNoRows):
		if err := q.UpdateAssetFact(ctx, store.UpdateAssetFactParams{
			TenantID: f.TenantID, AssetID: f.AssetID, DisplayName: f.DisplayName, CategoryID: f.CategoryID,
			InstallDate: f.InstallDate, PurchaseDate: f.PurchaseDate, PurchaseCostMinor: f.PurchaseCostMinor,
			PurchaseCostCurrency: f.PurchaseCostCurrency, ExpectedLifespanMonths: f.ExpectedLifespanMonths,
			WarrantyExpiryDate: f.WarrantyExpiryDate, Status: f.Status,
		}); err != nil {
			return err
		}
	default:
		return err
	}
	if !retired {
		return nil
	}
	_, err = q.RetireAssetPlans(ctx, store.RetireAssetPlansParams{TenantID: tenantID, AssetID: n.ID("asset")})
	return err
}
