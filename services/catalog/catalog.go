// Package catalog is the list of Steward's services: the one place a
// service is added. Everything that needs to know the services (the
// gateway's routes and flags, `make run`, the end-to-end and benchmark
// stacks, the Makefile's binaries, each service's main, the migration
// order) reads it from here. The type of an entry is platform/catalog's.
package catalog

import (
	"path/filepath"
	"slices"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	invoicingv1 "steward.dev/gen/go/steward/invoicing/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/services/accounts"
	"steward.dev/services/assets"
	"steward.dev/services/booking"
	"steward.dev/services/invoicing"
	"steward.dev/services/maintenance"
)

// IssuerName is the development OIDC issuer's entry: `make run` points
// every service's OIDC_ISSUER at it.
const IssuerName = "issuer"

// services, in dependency order: a service comes after every service it
// dials and every service whose schema its migrations require (db migrates
// in the order those "-- requires:" lines give; TestCatalogMigratesInDBOrder
// checks the two agree).
var services = []catalog.Service{
	{
		Name: "accounts", Schema: "accounts", GRPCAddr: "127.0.0.1:9100",
		Register: func(env catalog.Env) ([]grpcserver.Service, error) { return accounts.Services(env.DB) },
		Gateway:  []catalog.GatewayHandler{accountsv1.RegisterTenantServiceHandler, accountsv1.RegisterMemberServiceHandler},
	},
	{Name: IssuerName, Schema: "devidp", HTTPAddr: "127.0.0.1:8081"},
	{
		Name: "assets", Schema: "assets", GRPCAddr: "127.0.0.1:9101",
		Register: func(env catalog.Env) ([]grpcserver.Service, error) {
			return assets.Services(env.DB, env.Get("ASSETS_BLOB_DIR", filepath.Join(env.DataDir, "blobs")), env.Logger)
		},
		Gateway: []catalog.GatewayHandler{assetsv1.RegisterAssetServiceHandler},
	},
	{Name: "booking", Schema: "booking", GRPCAddr: "127.0.0.1:9102",
		Register: func(env catalog.Env) ([]grpcserver.Service, error) { return booking.Services(env.DB) },
		Gateway: []catalog.GatewayHandler{bookingv1.RegisterDirectoryServiceHandler, bookingv1.RegisterTermServiceHandler,
			bookingv1.RegisterSessionServiceHandler, bookingv1.RegisterCalendarServiceHandler}},
	{Name: "maintenance", Schema: "maintenance", GRPCAddr: "127.0.0.1:9103", Dials: []string{"accounts", "assets"},
		Register: maintenance.Services,
		Gateway: []catalog.GatewayHandler{
			maintenancev1.RegisterPlanServiceHandler,
			maintenancev1.RegisterTaskServiceHandler,
			maintenancev1.RegisterInsightServiceHandler,
			maintenancev1.RegisterDashboardServiceHandler,
			maintenancev1.RegisterReminderServiceHandler,
		}},
	{Name: "invoicing", Schema: "invoicing", GRPCAddr: "127.0.0.1:9104", Dials: []string{"accounts", "booking"},
		Register: invoicing.Services,
		Gateway: []catalog.GatewayHandler{
			invoicingv1.RegisterPriceServiceHandler,
			invoicingv1.RegisterInvoiceServiceHandler,
			invoicingv1.RegisterPaymentServiceHandler,
			invoicingv1.RegisterBillingRunServiceHandler,
		}},
}

// Services returns every service, in dependency order.
func Services() []catalog.Service { return slices.Clone(services) }

// GRPCServices returns the services with a gRPC API, in dependency order.
func GRPCServices() []catalog.Service {
	return slices.DeleteFunc(Services(), func(s catalog.Service) bool { return s.Register == nil })
}

// GatewayServices returns the gRPC services the gateway routes to, in
// dependency order.
func GatewayServices() []catalog.Service {
	return slices.DeleteFunc(GRPCServices(), func(s catalog.Service) bool { return len(s.Gateway) == 0 })
}

// Lookup returns the service called name.
func Lookup(name string) (catalog.Service, bool) { return catalog.Lookup(services, name) }

// Schemas returns the schemas the services own, in catalog order.
func Schemas() []string {
	var schemas []string
	for _, s := range services {
		if s.Schema != "" {
			schemas = append(schemas, s.Schema)
		}
	}
	return schemas
}

// stackBinaries are the binaries that are no service: the gateway in front
// of the services and `make run`'s supervisor.
var stackBinaries = []string{"./services/gateway/cmd/steward-gateway", "./services/devstack/cmd/steward-dev"}

// Binaries returns the Go package of every binary `make build` builds,
// relative to the repository root.
func Binaries() []string {
	var pkgs []string
	for _, s := range services {
		pkgs = append(pkgs, s.Package())
	}
	return append(pkgs, stackBinaries...)
}

// Main is the main function of the gRPC service called name.
func Main(name string) { catalog.Main(services, name) }
