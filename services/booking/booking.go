// Package booking assembles steward-booking, for its main package and for
// tests that run it the way main does. Today it serves the school directory:
// settings, rooms, instruments, teachers, families and students.
package booking

import (
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/server"
)

// Services returns the gRPC services of steward-booking.
func Services(db *tenantdb.DB) ([]grpcserver.Service, error) {
	return []grpcserver.Service{{Desc: server.Constraints.Register(&bookingv1.DirectoryService_ServiceDesc), Impl: server.New(db)}}, nil
}
