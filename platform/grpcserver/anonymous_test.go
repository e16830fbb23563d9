package grpcserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/scope"
	"steward.dev/platform/servertest"
	"steward.dev/platform/tenantdb"
)

// feeds answers what an anonymous handler is given: the tenant in scope,
// its roles, and whether a caller is, in the body.
type feeds struct {
	bookingv1.UnimplementedCalendarServiceServer
}

func (feeds) GetCalendarFeedContent(ctx context.Context, _ *bookingv1.GetCalendarFeedContentRequest) (*httpbody.HttpBody, error) {
	t, scoped := scope.TenantFrom(ctx)
	_, called := scope.CallerFrom(ctx)
	body := "unscoped"
	if scoped {
		body = t.TenantID.String()
		if len(t.Roles) > 0 {
			body += " with roles"
		}
	}
	if called {
		body += " with a caller"
	}
	return &httpbody.HttpBody{ContentType: "text/plain", Data: []byte(body)}, nil
}

// TestAnonymousRPCs: an RPC whose policy says anonymous_because needs no
// token, ignores any token sent (it grants nothing there), and is scoped
// to the tenant its request names, with no roles, only if that tenant
// exists. The service's other RPCs still need a token.
func TestAnonymousRPCs(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	client := bookingv1.NewCalendarServiceClient(env.Serve(t, func(*tenantdb.DB) ([]grpcserver.Service, error) {
		return []grpcserver.Service{{Desc: &bookingv1.CalendarService_ServiceDesc, Impl: feeds{}}}, nil
	}))
	school := env.Tenant(t, "school")
	admin := env.User(t, school, "admin")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	feed := func(tenant string) *bookingv1.GetCalendarFeedContentRequest {
		return &bookingv1.GetCalendarFeedContentRequest{Name: "tenants/" + tenant + "/calendarFeeds/" + uuid.NewString(), Token: "secret"}
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context //nolint:containedctx // how the case calls
	}{
		{"no token", ctx},
		{"a malformed token", metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer not-a-jwt")},
		{"a member's token", env.As(ctx, t, admin)},
		{"a service without a tenant", env.AsService(ctx, t, uuid.Nil)},
		{"a service naming another tenant", env.AsService(ctx, t, env.Tenant(t, "school"))},
	} {
		body, err := client.GetCalendarFeedContent(tc.ctx, feed(school.String()))
		if err != nil || string(body.GetData()) != school.String() {
			t.Errorf("%s: %q %v; want scoped to the tenant named, with no roles and no caller", tc.name, body.GetData(), err)
		}
	}
	if _, err := client.GetCalendarFeedContent(ctx, feed(uuid.NewString())); status.Code(err) != codes.NotFound {
		t.Errorf("a tenant that does not exist: %v; want NOT_FOUND", err)
	}
	bad := feed(school.String())
	bad.Name = "calendarFeeds/" + uuid.NewString()
	if _, err := client.GetCalendarFeedContent(ctx, bad); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a name without a tenant: %v; want INVALID_ARGUMENT", err)
	}
	if _, err := client.ListCalendarFeeds(ctx, &bookingv1.ListCalendarFeedsRequest{Parent: "tenants/" + school.String()}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the service's other RPC without a token: %v; want UNAUTHENTICATED", err)
	}
}
