// Package catalog describes a Steward service once: its name, its schema,
// where it listens, what it serves over gRPC and through the gateway, and
// which services it calls. The list of services is services/catalog; the
// gateway, `make run`, the end-to-end and benchmark stacks, the Makefile and
// each service's main read it from there instead of keeping lists of their
// own.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	"steward.dev/platform/envconfig"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/tenantdb"
)

// Service describes one service.
type Service struct {
	// Name names the service everywhere: its folder services/<Name>, its
	// binary steward-<Name> (services/<Name>/cmd/steward-<Name>), the
	// variable its address is read from (<NAME>_GRPC_ADDR, or <NAME>_ADDR
	// for an HTTP service), the gateway's flag -<Name> and its logs.
	Name string
	// Schema is the PostgreSQL schema the service owns, migrated from
	// db/migrations/<Schema>; empty when it owns none.
	Schema string
	// GRPCAddr is where the service's gRPC API listens unless
	// <NAME>_GRPC_ADDR says otherwise. Empty for a service without one.
	GRPCAddr string
	// HTTPAddr is where a service that serves HTTP instead of gRPC (the
	// development issuer) listens unless <NAME>_ADDR says otherwise.
	HTTPAddr string
	// Register builds the gRPC services the binary serves; required with
	// GRPCAddr.
	Register func(Env) ([]grpcserver.Service, error)
	// Gateway attaches the service's HTTP/JSON routes to the gateway: the
	// generated Register…Handler of each of its gRPC services. Empty for a
	// service the gateway does not expose.
	Gateway []GatewayHandler
	// Dials names the services this one calls (through platform/rpcclient,
	// at the addresses Env.Targets gives). Each comes earlier in the catalog,
	// so stacks start a service after those it calls.
	Dials []string
}

// GatewayHandler is a generated Register…Handler: it attaches one gRPC
// service's routes to the gateway's mux, forwarding over conn.
type GatewayHandler func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error

// Env is what a service is built from besides its own code.
type Env struct {
	DB     *tenantdb.DB
	Logger *slog.Logger
	// DataDir is where the service may keep files: "var" under a binary, a
	// temporary directory under a test.
	DataDir string
	// Getenv reads the service's own settings: os.Getenv under a binary;
	// nil (nothing set) under a test.
	Getenv func(string) string
	// Targets maps each name in Dials to that service's gRPC address.
	Targets map[string]string
	// ServiceIdentity is the service's own client-credentials identity, for
	// the calls its jobs make outside any request (rpcclient.ForTenant) to
	// the services it dials. Nil when none is configured: such calls then
	// fail before anything is sent (rpcclient.ErrNoCredentials) instead of
	// going out unauthenticated.
	ServiceIdentity *rpcclient.ServiceIdentity
}

// The settings of a service's own identity (ServiceIdentityFrom).
const (
	ServiceClientIDEnv     = "SERVICE_CLIENT_ID"
	ServiceClientSecretEnv = "SERVICE_CLIENT_SECRET"
	ServiceTokenURLEnv     = "SERVICE_TOKEN_URL"
)

// ServiceIdentityFrom reads a service's client credentials through getenv:
// SERVICE_CLIENT_ID and SERVICE_CLIENT_SECRET, at the token endpoint
// SERVICE_TOKEN_URL (by default the issuer's, OIDC_ISSUER + "/token", as the
// development issuer serves it). Neither set is no identity (nil); one
// without the other is an error, so a half-configured service does not start
// and then fail every job.
func ServiceIdentityFrom(getenv func(string) string) (*rpcclient.ServiceIdentity, error) {
	id, secret := getenv(ServiceClientIDEnv), getenv(ServiceClientSecretEnv)
	switch {
	case id == "" && secret == "":
		return nil, nil
	case id == "" || secret == "":
		return nil, fmt.Errorf("%s and %s go together: set both or neither", ServiceClientIDEnv, ServiceClientSecretEnv)
	}
	tokenURL := getenv(ServiceTokenURLEnv)
	if tokenURL == "" {
		issuer := getenv("OIDC_ISSUER")
		if issuer == "" {
			issuer = envconfig.DefaultOIDCIssuer
		}
		tokenURL = strings.TrimSuffix(issuer, "/") + "/token"
	}
	return rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{TokenURL: tokenURL, ClientID: id, ClientSecret: secret}), nil
}

// Get returns the setting key, or fallback when it is unset or empty.
func (e Env) Get(key, fallback string) string {
	if e.Getenv != nil {
		if v := e.Getenv(key); v != "" {
			return v
		}
	}
	return fallback
}

// Binary is the name of the service's executable.
func (s Service) Binary() string { return "steward-" + s.Name }

// Package is the Go package of the service's executable, relative to the
// repository root.
func (s Service) Package() string { return "./services/" + s.Name + "/cmd/" + s.Binary() }

// AddrEnv is the variable the service's listen address is read from.
func (s Service) AddrEnv() string {
	if s.GRPCAddr == "" {
		return envconfig.HTTPAddrEnv(s.Name)
	}
	return envconfig.GRPCAddrEnv(s.Name)
}

// Addr is the service's default listen address, gRPC or HTTP.
func (s Service) Addr() string {
	if s.GRPCAddr == "" {
		return s.HTTPAddr
	}
	return s.GRPCAddr
}

var serviceName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Check reports what is inconsistent in a list of services: names that are
// not lower-case words or repeat, a schema owned twice, an entry that is
// neither a gRPC nor an HTTP service, and a service dialing one that is not
// listed before it.
func Check(services []Service) error {
	var errs []error
	seen, schemas := map[string]bool{}, map[string]string{}
	for _, s := range services {
		if !serviceName.MatchString(s.Name) {
			errs = append(errs, fmt.Errorf("service %q: the name must be a lower-case word", s.Name))
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("service %q listed twice", s.Name))
		}
		if other, ok := schemas[s.Schema]; ok && s.Schema != "" {
			errs = append(errs, fmt.Errorf("services %q and %q both own schema %q", other, s.Name, s.Schema))
		}
		switch {
		case (s.GRPCAddr == "") == (s.HTTPAddr == ""):
			errs = append(errs, fmt.Errorf("service %q: exactly one of GRPCAddr and HTTPAddr", s.Name))
		case (s.GRPCAddr == "") != (s.Register == nil):
			errs = append(errs, fmt.Errorf("service %q: a gRPC service needs Register, and only it", s.Name))
		case s.GRPCAddr == "" && len(s.Gateway) > 0:
			errs = append(errs, fmt.Errorf("service %q: gateway routes need a gRPC service", s.Name))
		}
		for _, d := range s.Dials {
			if !seen[d] {
				errs = append(errs, fmt.Errorf("service %q dials %q, which is not listed before it", s.Name, d))
			}
		}
		seen[s.Name] = true
		if s.Schema != "" {
			schemas[s.Schema] = s.Name
		}
	}
	return errors.Join(errs...)
}

// Lookup returns the service called name.
func Lookup(services []Service, name string) (Service, bool) {
	i := slices.IndexFunc(services, func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, false
	}
	return services[i], true
}

// Main is the whole main function of a gRPC service's binary: it serves
// the service called name from services until SIGINT or SIGTERM, reading
// its settings from the environment, and exits non-zero on failure.
func Main(services []Service, name string) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, services, name)
	stop()
	if err != nil {
		slog.Error("steward-"+name, "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, services []Service, name string) error {
	svc, ok := Lookup(services, name)
	if !ok || svc.Register == nil {
		return fmt.Errorf("no gRPC service %q in the catalog", name)
	}
	targets := map[string]string{}
	for _, d := range svc.Dials {
		dep, ok := Lookup(services, d)
		if !ok || dep.GRPCAddr == "" {
			return fmt.Errorf("%s dials %q, which is no gRPC service in the catalog", name, d)
		}
		targets[d] = envconfig.Get(dep.AddrEnv(), dep.GRPCAddr)
	}
	identity, err := ServiceIdentityFrom(os.Getenv)
	if err != nil {
		return err
	}
	return grpcserver.Run(ctx, svc.Name, svc.GRPCAddr, func(db *tenantdb.DB, logger *slog.Logger) ([]grpcserver.Service, error) {
		return svc.Register(Env{DB: db, Logger: logger, DataDir: "var", Getenv: os.Getenv, Targets: targets, ServiceIdentity: identity})
	})
}

// Registrar builds a gRPC server's services from its database.
type Registrar func(*tenantdb.DB) ([]grpcserver.Service, error)

// ServeAll starts every gRPC service of services, in order, for an
// in-process stack (tests, benchmarks): serve starts one and returns the
// address it listens on. Each service is built from env with the database
// serve opens and the addresses of the services it dials. ServeAll returns
// every service's address by name.
func ServeAll(services []Service, env Env, serve func(Service, Registrar) (string, error)) (map[string]string, error) {
	addrs := map[string]string{}
	for _, svc := range services {
		if svc.Register == nil {
			continue
		}
		svcEnv := env
		svcEnv.Targets = map[string]string{}
		for _, d := range svc.Dials {
			if addrs[d] == "" {
				return nil, fmt.Errorf("%s dials %q, which was not started before it", svc.Name, d)
			}
			svcEnv.Targets[d] = addrs[d]
		}
		addr, err := serve(svc, func(db *tenantdb.DB) ([]grpcserver.Service, error) {
			svcEnv.DB = db
			return svc.Register(svcEnv)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", svc.Name, err)
		}
		addrs[svc.Name] = addr
	}
	return addrs, nil
}
