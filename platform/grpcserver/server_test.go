package grpcserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/authn"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

var testInfo = &grpc.UnaryServerInfo{FullMethod: "/steward.test.v1.Test/Do"}

func TestRecoveryTurnsPanicIntoInternal(t *testing.T) {
	t.Parallel()
	_, err := recovery(discard)(context.Background(), nil, testInfo, func(context.Context, any) (any, error) {
		panic("nil map write in handler")
	})
	st := status.Convert(err)
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "nil map") {
		t.Fatalf("got %v %q, want INTERNAL without the panic's text", st.Code(), st.Message())
	}
	if reason := apierror.ReasonOf(err); reason != apierror.ReasonInternal {
		t.Fatalf("ErrorInfo reason %q, want %s like every other error", reason, apierror.ReasonInternal)
	}
}

func TestNewRefusesStreamingRPCs(t *testing.T) {
	t.Parallel()
	desc := accountsv1.TenantService_ServiceDesc // a copy
	desc.Streams = []grpc.StreamDesc{{StreamName: "WatchTenants", ServerStreams: true}}
	_, err := New(Options{Logger: discard, Services: []Service{{Desc: &desc, Impl: accountsv1.UnimplementedTenantServiceServer{}}}})
	if err == nil || !strings.Contains(err.Error(), "streaming") {
		t.Fatalf("got %v, want a refusal: streams would bypass the chain", err)
	}
}

func TestTranslateErrorsHidesUnexpectedErrors(t *testing.T) {
	t.Parallel()
	ri := &requestInfo{}
	ctx := context.WithValue(context.Background(), infoKey{}, ri)
	secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed for user steward_app")
	_, err := translateErrors(ctx, nil, testInfo, func(context.Context, any) (any, error) { return nil, secret })
	st := status.Convert(err)
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "steward_app") {
		t.Fatalf("got %v %q, want INTERNAL without internals", st.Code(), st.Message())
	}
	if !errors.Is(ri.unexpected, secret) {
		t.Fatalf("the unexpected error was not kept for the log: %v", ri.unexpected)
	}
}

func TestDefaultDeadline(t *testing.T) {
	t.Parallel()
	deadlineOf := func(ctx context.Context) time.Duration {
		var left time.Duration
		_, _ = defaultDeadline(time.Second)(ctx, nil, testInfo, func(ctx context.Context, _ any) (any, error) {
			d, ok := ctx.Deadline()
			if !ok {
				t.Fatal("no deadline")
			}
			left = time.Until(d)
			return nil, nil
		})
		return left
	}
	if left := deadlineOf(context.Background()); left <= 0 || left > time.Second {
		t.Errorf("a call without a deadline got %v, want at most 1s", left)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if left := deadlineOf(ctx); left < 50*time.Second {
		t.Errorf("the caller's own deadline was shortened to %v", left)
	}
}

func TestNewRefusesServiceWithoutPolicies(t *testing.T) {
	t.Parallel()
	// The health service declares no Steward access policy, so registering it
	// as a Steward service must fail rather than leave it open.
	_, err := New(Options{Logger: discard, Services: []Service{{Desc: &healthpb.Health_ServiceDesc, Impl: nil}}})
	if err == nil || !strings.Contains(err.Error(), "no (steward.type.v1.access) policy") {
		t.Fatalf("got %v, want a missing-policy error", err)
	}
}

// start serves a server with the tenant directory's contract (handlers
// unimplemented) until the test ends or stop is called.
func start(t *testing.T, drain, lameDuck time.Duration) (conn *grpc.ClientConn, stop func() error) {
	t.Helper()
	srv, err := New(Options{
		Logger: discard,
		// Never reached in these tests: no call carries a token.
		Authenticator: authn.New(authn.Config{Issuer: "http://127.0.0.1:1", Audience: "steward"}, nil),
		Services:      []Service{{Desc: &accountsv1.TenantService_ServiceDesc, Impl: accountsv1.UnimplementedTenantServiceServer{}}},
		LameDuck:      lameDuck,
	})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, drain) }()
	conn, err = grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-served
	}
	t.Cleanup(func() { _ = conn.Close(); _ = stop() })
	return conn, stop
}

func TestStewardRPCsNeedAToken(t *testing.T) {
	t.Parallel()
	conn, _ := start(t, time.Second, 0)
	client := accountsv1.NewTenantServiceClient(conn)
	for _, header := range []string{"", "Basic dXNlcjpwdw==", "Bearer "} {
		ctx := context.Background()
		if header != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", header)
		}
		_, err := client.ListTenants(ctx, &accountsv1.ListTenantsRequest{})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("authorization %q: got %v, want UNAUTHENTICATED", header, err)
		}
	}
	// Infrastructure stays open: probes carry no token.
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", resp, err)
	}
}

func TestShutdownReportsNotServingAndBoundsTheDrain(t *testing.T) {
	t.Parallel()
	const drain = 300 * time.Millisecond
	conn, stop := start(t, drain, 0)
	// A watch never ends by itself, so it stands for an in-flight call that
	// outlives the drain.
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("before shutdown: %v %v", first, err)
	}
	began := time.Now()
	stopErr := make(chan error, 1)
	go func() { stopErr <- stop() }()
	next, err := watch.Recv()
	if err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("during shutdown: %v %v, want NOT_SERVING", next, err)
	}
	if err := <-stopErr; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(began); took < drain || took > drain+5*time.Second {
		t.Fatalf("shutdown took %v, want the drain (%v) and not much more", took, drain)
	}
	if _, err := watch.Recv(); err == nil {
		t.Fatal("the watch outlived the server")
	}
}

func TestLameDuckKeepsServingAfterNotServing(t *testing.T) {
	t.Parallel()
	const lameDuck = 300 * time.Millisecond
	conn, stop := start(t, time.Second, lameDuck)
	health := healthpb.NewHealthClient(conn)
	watch, err := health.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	stopErr := make(chan error, 1)
	go func() { stopErr <- stop() }()
	if next, err := watch.Recv(); err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("during shutdown: %v %v, want NOT_SERVING", next, err)
	}
	// Still answering while health checkers catch up.
	resp, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("call in the lame-duck period: %v %v", resp, err)
	}
	if err := <-stopErr; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < lameDuck {
		t.Fatalf("stopped after %v, before the lame-duck period of %v ended", took, lameDuck)
	}
}

func TestValidateNamesTheFieldOfMessageRules(t *testing.T) {
	t.Parallel()
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	req := &assetsv1.CreateHomeRequest{Parent: "tenants/" + uuid.NewString(), Home: &assetsv1.Home{TimeZone: "Europe/Oslo"}}
	_, err = validate(v)(context.Background(), req, testInfo, func(context.Context, any) (any, error) { return nil, nil })
	st, _ := apierror.FromError(err) // as translateErrors renders it
	if fields := apierror.ViolatedFields(st.Err()); st.Code() != codes.InvalidArgument || !slices.Equal(fields, []string{"home.display_name"}) {
		t.Fatalf("got %v with violations on %q, want INVALID_ARGUMENT on home.display_name", err, fields)
	}
}
