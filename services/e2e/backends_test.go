package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/platform/catalog"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts"
	"steward.dev/services/assets"
	"steward.dev/services/booking"
	"steward.dev/services/invoicing"
	"steward.dev/services/maintenance"
)

// backends are the addresses of a set of Steward's gRPC services started
// beside the stack's own, on the stack's database and issuer.
type backends struct {
	accounts, assets, booking, maintenance, invoicing string
}

// startBackends starts the accounts, assets, booking, maintenance and
// invoicing services (maintenance calling these assets, invoicing these
// accounts and booking) connected to
// PostgreSQL with databaseURL. wrapAssets, if set, wraps the assets
// implementation (to observe what reaches it). They live as long as the
// test binary.
func (s *stack) startBackends(databaseURL string, wrapAssets func(assetsv1.AssetServiceServer) assetsv1.AssetServiceServer) (backends, error) {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	boot := grpcserver.BootstrapConfig{DatabaseURL: databaseURL, OIDCIssuer: s.issuerURL, OIDCAudience: "steward", Logger: logger}
	blobDir, err := os.MkdirTemp("", "stw-blobs-")
	if err != nil {
		return backends{}, err
	}
	withAssets := func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		svcs, err := assets.Services(db, blobDir, logger)
		if err != nil || wrapAssets == nil {
			return svcs, err
		}
		for i, svc := range svcs {
			if impl, ok := svc.Impl.(assetsv1.AssetServiceServer); ok {
				svcs[i].Impl = wrapAssets(impl)
			}
		}
		return svcs, nil
	}
	var addrs [5]string
	withMaintenance := func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return maintenance.Services(catalog.Env{DB: db, Logger: logger, Targets: map[string]string{"assets": addrs[1]}})
	}
	withInvoicing := func(db *tenantdb.DB) ([]grpcserver.Service, error) {
		return invoicing.Services(catalog.Env{DB: db, Logger: logger, Targets: map[string]string{"accounts": addrs[0], "booking": addrs[2]}})
	}
	for i, register := range []func(*tenantdb.DB) ([]grpcserver.Service, error){accounts.Services, withAssets, booking.Services, withMaintenance,
		withInvoicing} {
		srv, _, err := grpcserver.Bootstrap(ctx, boot, register)
		if err != nil {
			return backends{}, err
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return backends{}, err
		}
		go func() { _ = srv.Serve(ctx, lis, time.Second) }()
		addrs[i] = lis.Addr().String()
	}
	return backends{accounts: addrs[0], assets: addrs[1], booking: addrs[2], maintenance: addrs[3], invoicing: addrs[4]}, nil
}

// maintenanceClients dials the backends' steward-maintenance into s.
func (b backends) maintenanceClients(s *stack) error {
	conn, err := grpc.NewClient(b.maintenance, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	s.reminders = maintenancev1.NewReminderServiceClient(conn)
	s.plans, s.tasks = maintenancev1.NewPlanServiceClient(conn), maintenancev1.NewTaskServiceClient(conn)
	s.insight = maintenancev1.NewInsightServiceClient(conn)
	s.maintenance = conn
	return nil
}

// invoicingClients dials the backends' steward-invoicing into s.
func (b backends) invoicingClients(s *stack) (err error) {
	s.invoicing, err = grpc.NewClient(b.invoicing, grpc.WithTransportCredentials(insecure.NewCredentials()))
	return err
}

// bookingClients dials the backends' steward-booking into s: the directory
// and the schedule's services.
func (b backends) bookingClients(s *stack) error {
	conn, err := grpc.NewClient(b.booking, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	s.directory, s.terms = bookingv1.NewDirectoryServiceClient(conn), bookingv1.NewTermServiceClient(conn)
	s.sessions, s.calendar = bookingv1.NewSessionServiceClient(conn), bookingv1.NewCalendarServiceClient(conn)
	return nil
}

// membersClient dials the accounts backend's MemberService.
func (b backends) membersClient() (accountsv1.MemberServiceClient, error) {
	conn, err := grpc.NewClient(b.accounts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return accountsv1.NewMemberServiceClient(conn), nil
}

// clients dials the backends.
func (b backends) clients() (accountsv1.TenantServiceClient, assetsv1.AssetServiceClient, error) {
	ac, err := grpc.NewClient(b.accounts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, nil, err
	}
	as, err := grpc.NewClient(b.assets, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, nil, err
	}
	return accountsv1.NewTenantServiceClient(ac), assetsv1.NewAssetServiceClient(as), nil
}
