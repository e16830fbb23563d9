// Package dashboard implements steward-maintenance's DashboardService: the
// household dashboard, computed in a few statements over the maintenance
// schema and cached per tenant and version (cache.go), and the homes'
// iCalendar feeds of upcoming maintenance (feeds.go, ics.go).
package dashboard

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// The dashboard's bounds: how many of each list it answers.
const (
	taskListLimit     = 20
	warrantyListLimit = 50
	riskyAssetLimit   = 5
	// Windows, in days from each home's today.
	warrantyWindowDays = 90
	spendMonths        = 12
)

var (
	dashboardPattern = resname.Of(&maintenancev1.Dashboard{})
	homePattern      = resname.Of(&assetsv1.Home{})
	assetPattern     = resname.Of(&assetsv1.Asset{})
	categoryPattern  = resname.Of(&assetsv1.AssetCategory{})
	taskPattern      = resname.Of(&maintenancev1.Task{})
)

// Server implements maintenancev1.DashboardServiceServer.
type Server struct {
	maintenancev1.UnimplementedDashboardServiceServer
	db    *tenantdb.DB
	now   func() time.Time
	cache *cache
}

// New returns a Server reading through db, telling the time with now (tests
// stand at a month end or a DST change with it).
func New(db *tenantdb.DB, now func() time.Time) *Server {
	return &Server{db: db, now: now, cache: newCache()}
}

// GetDashboard answers the tenant's dashboard: from the cache when the
// tenant's version is the one it was computed at, which costs one indexed
// read of one row; otherwise computed afresh and cached.
func (s *Server) GetDashboard(ctx context.Context, req *maintenancev1.GetDashboardRequest) (*maintenancev1.Dashboard, error) {
	n, err := dashboardPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant := n.ID("tenant")
	key := cacheKey{tenant: tenant}
	if req.GetHome() != "" {
		h, err := homePattern.Parse("home", req.GetHome())
		if err != nil {
			return nil, err
		}
		if h.ID("tenant") != tenant {
			return nil, apierror.NotFound(req.GetHome())
		}
		key.home = h.ID("home")
	}
	q := store.New(s.db.Scoped(ctx))
	// The version first, the figures after: an entry is then never older
	// than the version it is stored under.
	version, err := q.GetDashboardVersion(ctx, tenant)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if d, ok := s.cache.get(key, version, now); ok {
		return d, nil
	}
	d, expires, err := compute(ctx, func() *store.Queries { return store.New(s.db.Scoped(ctx)) }, key, now)
	if err != nil {
		return nil, err
	}
	d.Name = req.GetName()
	s.cache.put(key, cacheEntry{version: version, expires: expires, dash: d}, now)
	return d, nil
}

// homeDay is one home's today and the bounds of its spend months, in its
// own time zone.
type homeDay struct {
	id       uuid.UUID
	today    pgtype.Date
	midnight time.Time // the next one, when today changes
	months   []month
}

type month struct {
	label      string // YYYY-MM
	start, end time.Time
}

func dayOf(id uuid.UUID, tz string, now time.Time) (homeDay, error) {
	loc, err := aip.LoadTimeZone(tz) // checked by Assets when the home was written
	if err != nil {
		return homeDay{}, err
	}
	local := now.In(loc)
	y, m, d := local.Date()
	h := homeDay{id: id, today: pgtype.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Valid: true},
		midnight: dayStart(y, m, d+1, loc)}
	for k := spendMonths - 1; k >= 0; k-- {
		start := dayStart(y, m-time.Month(k), 1, loc)
		h.months = append(h.months, month{label: start.Format("2006-01"), start: start, end: dayStart(y, m-time.Month(k)+1, 1, loc)})
	}
	return h, nil
}

// dayStart is the first instant of the civil date y-m-d (normalised, as
// time.Date does) in loc. Where the clocks jump over midnight
// (America/Havana: 00:00 is 01:00) time.Date may answer an instant of the
// day before; the day then starts at the first quarter hour of its date
// (zones change at whole quarter hours).
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for ty, tm, td := t.Date(); time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Before(want); ty, tm, td = t.Date() {
		t = t.Add(15 * time.Minute)
	}
	return t
}

// compute builds the dashboard of key's homes at now in six statements:
// the homes, then at once the task counts, the task lists, the spend, the
// warranties and the riskiest assets, each over all the homes. queries
// opens the store on a scoped connection.
func compute(ctx context.Context, queries func() *store.Queries, key cacheKey, now time.Time) (*maintenancev1.Dashboard, time.Time, error) {
	homes, err := queries().ListDashboardHomes(ctx, store.ListDashboardHomesParams{TenantID: key.tenant,
		HomeID: uuid.NullUUID{UUID: key.home, Valid: key.home != uuid.Nil}})
	if err != nil {
		return nil, time.Time{}, err
	}
	out := &maintenancev1.Dashboard{ComputeTime: timestamppb.New(now)}
	if key.home != uuid.Nil {
		out.Home = homePattern.Format(key.tenant, key.home)
		if len(homes) == 0 {
			return nil, time.Time{}, apierror.NotFound(out.GetHome())
		}
	}
	expires := now.Add(CacheTTL)
	var (
		ids    []uuid.UUID
		todays []pgtype.Date
		spend  store.DashboardSpendParams
	)
	for _, h := range homes {
		d, err := dayOf(h.HomeID, h.TimeZone, now)
		if err != nil {
			return nil, time.Time{}, err
		}
		if d.midnight.Before(expires) {
			expires = d.midnight
		}
		ids, todays = append(ids, h.HomeID), append(todays, d.today)
		for _, m := range d.months {
			spend.HomeIds, spend.Months = append(spend.HomeIds, h.HomeID), append(spend.Months, m.label)
			spend.Starts, spend.Ends = append(spend.Starts, m.start), append(spend.Ends, m.end)
		}
	}
	if len(homes) == 0 {
		return out, expires, nil
	}
	// The five parts read apart, each on a connection of its own, and
	// write disjoint fields of out.
	spend.TenantID = key.tenant
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		counts, err := queries().DashboardTaskCounts(gctx, store.DashboardTaskCountsParams{HomeIds: ids, Todays: todays, TenantID: key.tenant})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // no open work: every count 0
		}
		out.OverdueCount, out.DueWithin_7DaysCount, out.DueWithin_30DaysCount, out.InProgressCount =
			counts.Overdue, counts.Due7, counts.Due30, counts.InProgress
		return err
	})
	g.Go(func() error { return addTasks(gctx, queries(), key.tenant, ids, todays, out) })
	g.Go(func() error {
		spent, err := queries().DashboardSpend(gctx, spend)
		addSpend(spent, out)
		return err
	})
	g.Go(func() error { return addWarranties(gctx, queries(), key.tenant, ids, todays, out) })
	g.Go(func() error {
		risky, err := queries().DashboardRiskiestAssets(gctx, store.DashboardRiskiestAssetsParams{TenantID: key.tenant, HomeIds: ids, ListLimit: riskyAssetLimit})
		for _, r := range risky {
			out.RiskiestAssets = append(out.RiskiestAssets, &maintenancev1.RiskyAsset{Asset: assetPattern.Format(key.tenant, r.HomeID, r.AssetID),
				DisplayName: r.DisplayName, HealthScore: r.Score, Reasons: r.Reasons})
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, time.Time{}, err
	}
	return out, expires, nil
}

func addTasks(ctx context.Context, q *store.Queries, tenant uuid.UUID, ids []uuid.UUID, todays []pgtype.Date, out *maintenancev1.Dashboard) error {
	rows, err := q.DashboardTaskLists(ctx, store.DashboardTaskListsParams{HomeIds: ids, Todays: todays, TenantID: tenant, ListLimit: taskListLimit})
	if err != nil {
		return err
	}
	for _, r := range rows {
		t := &maintenancev1.DashboardTask{Task: taskPattern.Format(tenant, r.HomeID, r.TaskID), Title: r.Title, Home: homePattern.Format(tenant, r.HomeID),
			AssetDisplayName: r.AssetDisplayName, DueDate: aip.FormatDate(r.DueDate), DaysUntilDue: r.DaysUntilDue, InProgress: r.State == "in_progress"}
		if r.AssetID.Valid {
			t.Asset = assetPattern.Format(tenant, r.HomeID, r.AssetID.UUID)
		}
		if r.Overdue {
			out.OverdueTasks = append(out.OverdueTasks, t)
		} else {
			out.DueTasks = append(out.DueTasks, t)
		}
	}
	return nil
}

// addSpend folds the (month, category, currency) sums into the three views.
// Amounts of different currencies stay apart.
func addSpend(rows []store.DashboardSpendRow, out *maintenancev1.Dashboard) {
	type byKey struct{ key, currency string }
	months, categories, totals := map[byKey]*maintenancev1.MonthlySpend{}, map[byKey]*maintenancev1.CategorySpend{}, map[string]*typev1.Money{}
	for _, r := range rows {
		m, ok := months[byKey{r.Month, r.Currency}]
		if !ok {
			m = &maintenancev1.MonthlySpend{Month: r.Month, Total: &typev1.Money{CurrencyCode: r.Currency}}
			months[byKey{r.Month, r.Currency}] = m
			out.SpendByMonth = append(out.SpendByMonth, m)
		}
		m.Total.AmountMinor += r.TotalMinor
		m.TaskCount += r.TaskCount
		c, ok := categories[byKey{r.CategoryID, r.Currency}]
		if !ok {
			c = &maintenancev1.CategorySpend{Total: &typev1.Money{CurrencyCode: r.Currency}}
			if r.CategoryID != "" {
				c.Category = categoryPattern.FormatIDs(r.CategoryID)
			}
			categories[byKey{r.CategoryID, r.Currency}] = c
			out.SpendByCategory = append(out.SpendByCategory, c)
		}
		c.Total.AmountMinor += r.TotalMinor
		c.TaskCount += r.TaskCount
		t, ok := totals[r.Currency]
		if !ok {
			t = &typev1.Money{CurrencyCode: r.Currency}
			totals[r.Currency] = t
			out.SpendTotal = append(out.SpendTotal, t)
		}
		t.AmountMinor += r.TotalMinor
	}
	slices.SortStableFunc(out.SpendByMonth, func(a, b *maintenancev1.MonthlySpend) int {
		return strings.Compare(a.GetMonth()+a.GetTotal().GetCurrencyCode(), b.GetMonth()+b.GetTotal().GetCurrencyCode())
	})
	// The largest spend first, within each currency.
	slices.SortStableFunc(out.SpendByCategory, func(a, b *maintenancev1.CategorySpend) int {
		if c := strings.Compare(a.GetTotal().GetCurrencyCode(), b.GetTotal().GetCurrencyCode()); c != 0 {
			return c
		}
		switch x, y := a.GetTotal().GetAmountMinor(), b.GetTotal().GetAmountMinor(); {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return strings.Compare(a.GetCategory(), b.GetCategory())
	})
	slices.SortFunc(out.SpendTotal, func(a, b *typev1.Money) int { return strings.Compare(a.GetCurrencyCode(), b.GetCurrencyCode()) })
}

func addWarranties(ctx context.Context, q *store.Queries, tenant uuid.UUID, ids []uuid.UUID, todays []pgtype.Date, out *maintenancev1.Dashboard) error {
	rows, err := q.DashboardWarranties(ctx, store.DashboardWarrantiesParams{HomeIds: ids, Todays: todays, TenantID: tenant, ListLimit: warrantyListLimit})
	if err != nil {
		return err
	}
	for _, r := range rows {
		out.WarrantyExpiringCount = r.Total
		out.ExpiringWarranties = append(out.ExpiringWarranties, &maintenancev1.ExpiringWarranty{Asset: assetPattern.Format(tenant, r.HomeID, r.AssetID),
			DisplayName: r.DisplayName, WarrantyExpiryDate: aip.FormatDate(r.WarrantyExpiryDate), DaysLeft: r.DaysLeft})
	}
	return nil
}
