// Package grpcserver builds every Steward gRPC server the same way: the
// interceptor chain, limits, health, reflection and graceful shutdown.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"steward.dev/platform/access"
	"steward.dev/platform/authn"
)

// Limits every server shares.
const (
	callDeadline    = 10 * time.Second // for calls that set none
	maxStreams      = 256              // concurrent streams per connection
	maxMessageBytes = 16 << 20
)

// Service is one gRPC service implementation to register, or work that
// runs beside the services for the server's life.
type Service struct {
	Desc *grpc.ServiceDesc
	Impl any
	// Background, when set (with or without Desc), is work the service does
	// outside requests, such as its job queue's workers. Serve starts it
	// before accepting calls and, when stopping, cancels its context only
	// after in-flight calls have drained (a call may still enqueue work),
	// then waits for it to return.
	Background func(ctx context.Context) error
}

// Options configure a Server.
type Options struct {
	Logger        *slog.Logger
	Authenticator *authn.Authenticator
	Members       *access.Members
	Services      []Service
	// LameDuck is how long a stopping server keeps serving after it reports
	// NOT_SERVING, so health checkers route new work elsewhere first.
	LameDuck time.Duration
}

// Server is a gRPC server with health reporting.
type Server struct {
	grpc       *grpc.Server
	health     *health.Server
	logger     *slog.Logger
	lameDuck   time.Duration
	background []func(context.Context) error
}

// New builds the server and registers opts.Services. It fails if any RPC of
// those services lacks a declared access policy.
func New(opts Options) (*Server, error) {
	names := make([]string, 0, len(opts.Services))
	var background []func(context.Context) error
	for _, s := range opts.Services {
		if s.Background != nil {
			background = append(background, s.Background)
		}
		if s.Desc != nil {
			names = append(names, s.Desc.ServiceName)
		}
	}
	policies, err := access.LoadPolicies(names...)
	if err != nil {
		return nil, err
	}
	for _, s := range opts.Services {
		// The chain below is unary only; a streaming RPC would skip
		// authentication, scope and authorization entirely.
		if s.Desc != nil && len(s.Desc.Streams) > 0 {
			return nil, fmt.Errorf("grpcserver: %s has streaming RPCs, which the interceptor chain does not cover yet", s.Desc.ServiceName)
		}
	}
	// Compiled now, not by the first call of each RPC: lazily, the first
	// calls of a method wait while its rules compile (CEL), all at once in
	// a rush of a method nobody called since the server started.
	validator, err := protovalidate.New(protovalidate.WithMessageDescriptors(requestMessages(opts.Services)...))
	if err != nil {
		return nil, err
	}
	gs := grpc.NewServer(
		grpc.ChainUnaryInterceptor(
			logging(opts.Logger),
			recovery(opts.Logger), // inside logging, so a panic still gets its access-log line
			translateErrors,
			defaultDeadline(callDeadline),
			authenticate(opts.Authenticator, policies),
			scopeTenant(opts.Members, policies),
			authorize(policies), // before validation: a caller without the role learns nothing about input rules
			validate(validator),
		),
		grpc.ChainStreamInterceptor(streamRecovery(opts.Logger)),
		grpc.MaxConcurrentStreams(maxStreams),
		grpc.MaxRecvMsgSize(maxMessageBytes),
		grpc.MaxSendMsgSize(maxMessageBytes),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 15 * time.Minute}),
		// A few long-lived goroutines take the calls (a new one only while
		// all are busy): a fresh goroutine per call grew its stack through
		// the interceptor chain, protovalidate and pgx every time (copying
		// it, 3-7 % of a booking's Go CPU in the rush's profile).
		grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
	)
	for _, s := range opts.Services {
		if s.Desc != nil {
			gs.RegisterService(s.Desc, s.Impl)
		}
	}
	hs := health.NewServer()
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)
	return &Server{grpc: gs, health: hs, logger: opts.Logger, lameDuck: opts.LameDuck, background: background}, nil
}

// requestMessages are the request messages of services' methods, from the
// descriptors their generated code registered; a service whose descriptor
// is not registered is validated lazily.
func requestMessages(services []Service) []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	for _, s := range services {
		if s.Desc == nil { // background work
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.Desc.ServiceName))
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if err != nil || !ok {
			continue
		}
		for i := range sd.Methods().Len() {
			out = append(out, sd.Methods().Get(i).Input())
		}
	}
	return out
}

// Serve serves on lis until ctx is done, then reports NOT_SERVING, keeps
// serving for the lame-duck period, lets in-flight calls finish for up to
// drain, and stops.
func (s *Server) Serve(ctx context.Context, lis net.Listener, drain time.Duration) (err error) {
	// The background work outlives ctx by the drain: it stops after the calls.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	bgErrs := make(chan error, len(s.background))
	for _, run := range s.background {
		go func() { bgErrs <- run(bgCtx) }()
	}
	defer func() {
		stopBackground()
		for range s.background {
			if bgErr := <-bgErrs; bgErr != nil && !errors.Is(bgErr, context.Canceled) && err == nil {
				err = bgErr
			}
		}
	}()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down", "drain", drain)
	s.health.Shutdown() // NOT_SERVING: load balancers and the gateway stop sending work
	if s.lameDuck > 0 {
		time.Sleep(s.lameDuck)
	}
	stopped := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(drain):
		s.logger.Warn("drain time exceeded; closing remaining connections")
		s.grpc.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}
