// Package accounts assembles the tenant directory service, for its main
// package and for tests that run it the way main does.
package accounts

import (
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/accounts/internal/server"
)

// Services returns the gRPC services of the tenant directory.
func Services(db *tenantdb.DB) ([]grpcserver.Service, error) {
	s := server.New(db)
	return []grpcserver.Service{
		{Desc: server.Constraints.Register(&accountsv1.TenantService_ServiceDesc), Impl: s},
		{Desc: server.Constraints.Register(&accountsv1.MemberService_ServiceDesc), Impl: server.Members{Server: s}},
	}, nil
}
