package sync

import (
	"context"
	"log/slog"
	"slices"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	"steward.dev/platform/scope"
)

// RecentEnough is how old a tenant's last refresh may be for a call to go
// without one: a burst of calls (a page loading a dashboard, its tasks and
// an asset's insight at once) costs one Assets call, and what a user just
// changed in Assets shows within this long.
const RecentEnough = time.Second

// Refreshing returns desc with each of its methods refreshing the facts of
// the caller's tenant first, after authentication, scope and validation
// have passed (so a refused call costs Assets nothing) and before the
// handler reads the facts. The refresh relays the caller's credentials; a
// call without a user (an anonymous calendar feed, a service principal)
// reads the facts as they are. A refresh that fails (Assets unreachable)
// is logged and the call goes on with the facts last synced: the periodic
// job catches up.
func (s *Syncer) Refreshing(desc *grpc.ServiceDesc, logger *slog.Logger) *grpc.ServiceDesc {
	wrapped := *desc
	wrapped.Methods = slices.Clone(desc.Methods)
	for i, m := range wrapped.Methods {
		handle := m.Handler
		wrapped.Methods[i].Handler = func(srv any, ctx context.Context, dec func(any) error, chain grpc.UnaryServerInterceptor) (any, error) {
			if chain == nil {
				chain = func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
					return h(ctx, req)
				}
			}
			return handle(srv, ctx, dec, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				return chain(ctx, req, info, func(ctx context.Context, req any) (any, error) {
					s.refreshForCaller(ctx, logger)
					return h(ctx, req)
				})
			})
		}
	}
	return &wrapped
}

func (s *Syncer) refreshForCaller(ctx context.Context, logger *slog.Logger) {
	caller, ok := scope.CallerFrom(ctx)
	if !ok || caller.Kind != scope.KindUser {
		return
	}
	t, ok := scope.TenantFrom(ctx)
	if !ok || s.recent.fresh(t.TenantID, time.Now()) {
		return
	}
	// Calls of one tenant arriving together share one refresh, and a
	// failed one counts too: while Assets is down a call waits for it at
	// most once a RecentEnough.
	_, err, _ := s.inFlight.Do(t.TenantID.String(), func() (any, error) {
		err := s.Refresh(ctx)
		s.recent.mark(t.TenantID, time.Now())
		return nil, err
	})
	if err != nil && logger != nil {
		logger.WarnContext(ctx, "facts not refreshed from Assets; serving the last synced", "tenant", t.TenantID, "error", err)
	}
}

// refreshTimes remembers when each tenant's facts were last refreshed by
// this instance.
type refreshTimes struct {
	mu   gosync.Mutex
	last map[uuid.UUID]time.Time
}

func (r *refreshTimes) fresh(tenant uuid.UUID, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	last, ok := r.last[tenant]
	return ok && now.Sub(last) < RecentEnough
}

func (r *refreshTimes) mark(tenant uuid.UUID, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[uuid.UUID]time.Time{}
	}
	// Forget tenants not seen for a while, so the map stays the size of
	// the tenants in use.
	if len(r.last) > 10_000 {
		for id, at := range r.last {
			if now.Sub(at) >= RecentEnough {
				delete(r.last, id)
			}
		}
	}
	r.last[tenant] = now
}
