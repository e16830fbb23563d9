package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"steward.dev/db/dbtest"
	"steward.dev/services/inprocess"
)

// The dashboard benchmark (make bench-dashboard): GetDashboard through the
// gateway for a household of 500 assets and ten years of task history that
// the harness builds itself, cold (the tenant's dashboard version bumped
// before every call, so every call computes) and cached, against a raw pgx
// round trip measured in the same run.

// DashboardTarget is the goal for the cold p99.
const DashboardTarget = 50 * time.Millisecond

// DashboardOptions shape a dashboard run.
type DashboardOptions struct {
	OwnerURL, AppURL string        // a migrated, empty database
	Duration         time.Duration // of each mode in each round; default 3s
	Rounds           int           // the modes interleaved; default 3
	Progress         func(string)
}

// DashboardHousehold is what the harness built.
type DashboardHousehold struct {
	TenantID                                uuid.UUID
	Homes, Assets, Plans, Tasks, Parts      int
	OpenTasks, Completed, WithCost, Repairs int
	From, To                                time.Time // the history's span
	OverdueShown, DueShown, WarrantiesShown int       // what the dashboard answered
	SpendMonths, RiskyShown, ResponseBytes  int
}

// DashboardMode is one way of calling, with its latencies.
type DashboardMode struct {
	Key, Title string
	P50, P99   time.Duration
	Max        time.Duration
	Calls      int
	// CPU per call, of the PostgreSQL backends serving the database and of
	// this process (Steward and the caller), which other work on a shared
	// machine barely changes, unlike latency. The cold mode's include the
	// untimed version bump before each call.
	DBCPU, GoCPU time.Duration
}

// DashboardResult is a run's measurements.
type DashboardResult struct {
	Household DashboardHousehold
	Modes     []DashboardMode // raw-pgx, cold, cached
}

// RunDashboard seeds the database, starts the stack, builds the household
// and measures each mode at one caller, the modes interleaved round by
// round so that a slow moment of the machine hits them alike.
func RunDashboard(ctx context.Context, o DashboardOptions) (DashboardResult, error) {
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.Rounds == 0 {
		o.Rounds = 3
	}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	dataDir, err := tempDir()
	if err != nil {
		return DashboardResult{}, err
	}
	defer os.RemoveAll(dataDir)
	steward, err := inprocess.Start(ctx, inprocess.Config{OwnerURL: o.OwnerURL, AppURL: o.AppURL, DataDir: dataDir,
		OpenAPI: []byte(`{"swagger":"2.0","info":{"title":"bench","version":"0"},"paths":{}}`)})
	if err != nil {
		return DashboardResult{}, err
	}
	defer steward.Close()
	owner, err := pgxpool.New(ctx, o.OwnerURL)
	if err != nil {
		return DashboardResult{}, err
	}
	defer owner.Close()
	start := time.Now()
	h, err := buildHousehold(ctx, owner, steward.Summary.HouseholdTenantID)
	if err != nil {
		return DashboardResult{}, fmt.Errorf("build the household: %w", err)
	}
	progress("built the household in %v: %d assets, %d tasks (%d open), %d parts", time.Since(start).Round(time.Millisecond),
		h.Assets, h.Tasks, h.OpenTasks, h.Parts)
	token, err := steward.Login("admin@example.com") // made the household's OWNER by buildHousehold
	if err != nil {
		return DashboardResult{}, err
	}
	raw, err := rawPool(ctx, o.AppURL, h.TenantID)
	if err != nil {
		return DashboardResult{}, err
	}
	defer raw.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := steward.GatewayURL + "/v1/tenants/" + h.TenantID.String() + "/dashboard"
	get := func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GetDashboard: HTTP %d: %.200s", resp.StatusCode, body)
		}
		return body, err
	}
	// A write the triggers see would do as well; bumping the row itself
	// keeps the household's data the same for every cold call.
	invalidate := func(ctx context.Context) error {
		return dbtest.InScope(ctx, owner, dbtest.Scope{TenantID: h.TenantID}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE maintenance.dashboard_versions SET version = version + 1 WHERE tenant_id = $1", h.TenantID)
			return err
		})
	}
	asset, err := firstAsset(ctx, raw, h.TenantID)
	if err != nil {
		return DashboardResult{}, err
	}
	// Each mode: prepare (untimed), then the timed call.
	type mode struct {
		DashboardMode
		prepare func(context.Context) error
		call    func(context.Context) error
	}
	modes := []*mode{
		{DashboardMode: DashboardMode{Key: "raw-pgx", Title: "(a) raw pgx round trip: a prepared point select of one asset fact"},
			call: func(ctx context.Context) error {
				var name string
				return raw.QueryRow(ctx, "SELECT display_name FROM maintenance.asset_facts WHERE tenant_id = $1 AND asset_id = $2",
					h.TenantID, asset).Scan(&name)
			}},
		{DashboardMode: DashboardMode{Key: "cold", Title: "(b) GetDashboard through the gateway, cold (version bumped before each call)"},
			prepare: invalidate, call: func(ctx context.Context) error { _, err := get(ctx); return err }},
		{DashboardMode: DashboardMode{Key: "cached", Title: "(c) GetDashboard through the gateway, cached"},
			call: func(ctx context.Context) error { _, err := get(ctx); return err }},
	}
	// What the dashboard shows, and a warm-up of every path.
	body, err := get(ctx)
	if err != nil {
		return DashboardResult{}, err
	}
	h.ResponseBytes = len(body)
	if err := h.shown(body); err != nil {
		return DashboardResult{}, err
	}
	for _, m := range modes {
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
			if m.prepare != nil {
				if err := m.prepare(ctx); err != nil {
					return DashboardResult{}, err
				}
			}
			if err := m.call(ctx); err != nil {
				return DashboardResult{}, fmt.Errorf("%s: warm-up: %w", m.Key, err)
			}
		}
	}
	cfg, err := pgx.ParseConfig(o.OwnerURL)
	if err != nil {
		return DashboardResult{}, err
	}
	samples := make([][]time.Duration, len(modes))
	dbCPU, goCPU := make([]time.Duration, len(modes)), make([]time.Duration, len(modes))
	for round := 1; round <= o.Rounds; round++ {
		for i, m := range modes {
			n := 0
			db0, go0 := backendsCPU(cfg.Database), processCPU()
			for deadline := time.Now().Add(o.Duration); time.Now().Before(deadline); n++ {
				if m.prepare != nil {
					if err := m.prepare(ctx); err != nil {
						return DashboardResult{}, err
					}
				}
				t0 := time.Now()
				if err := m.call(ctx); err != nil {
					return DashboardResult{}, fmt.Errorf("%s: %w", m.Key, err)
				}
				samples[i] = append(samples[i], time.Since(t0))
			}
			dbCPU[i] += backendsCPU(cfg.Database) - db0
			goCPU[i] += processCPU() - go0
			progress("round %d  %-7s %6d calls", round, m.Key, n)
		}
	}
	res := DashboardResult{Household: h}
	for i, m := range modes {
		s := samples[i]
		if len(s) == 0 {
			return DashboardResult{}, errors.New(m.Key + ": no samples")
		}
		slices.Sort(s)
		m.P50, m.P99, m.Max, m.Calls = s[len(s)/2], s[len(s)*99/100], s[len(s)-1], len(s)
		m.DBCPU, m.GoCPU = dbCPU[i]/time.Duration(len(s)), goCPU[i]/time.Duration(len(s))
		res.Modes = append(res.Modes, m.DashboardMode)
	}
	return res, nil
}

func firstAsset(ctx context.Context, raw *pgxpool.Pool, tenant uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := raw.QueryRow(ctx, "SELECT asset_id FROM maintenance.asset_facts WHERE tenant_id = $1 ORDER BY asset_id LIMIT 1", tenant).Scan(&id)
	return id, err
}
