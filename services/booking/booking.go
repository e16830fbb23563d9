// Package booking assembles steward-booking, for its main package and for
// tests that run it the way main does: the school directory (settings,
// rooms, instruments, teachers, families, students) and the schedule built
// on it (terms, classes, enrolments, sessions, bookings, the calendar).
package booking

import (
	"time"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/server"
)

// Services returns the gRPC services of steward-booking.
func Services(db *tenantdb.DB) ([]grpcserver.Service, error) { return ServicesWithClock(time.Now)(db) }

// ServicesWithClock is Services with the SessionService reading the time
// from now: tests stand at a notice deadline or a DST change with it.
func ServicesWithClock(now func() time.Time) func(db *tenantdb.DB) ([]grpcserver.Service, error) {
	return func(db *tenantdb.DB) ([]grpcserver.Service, error) { return services(db, now) }
}

func services(db *tenantdb.DB, now func() time.Time) ([]grpcserver.Service, error) {
	db.Warm(server.WarmConn) // a booking rush's first second on fresh connections
	return []grpcserver.Service{
		{Desc: server.Constraints.Register(&bookingv1.DirectoryService_ServiceDesc), Impl: server.New(db)},
		{Desc: server.Constraints.Register(&bookingv1.TermService_ServiceDesc), Impl: server.NewTermServer(db)},
		{Desc: server.Constraints.Register(&bookingv1.SessionService_ServiceDesc), Impl: server.NewSessionServerWithClock(db, now)},
		{Desc: server.Constraints.Register(&bookingv1.CalendarService_ServiceDesc), Impl: server.NewCalendarServer(db)},
	}, nil
}
