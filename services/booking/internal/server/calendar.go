package server

import (
	"steward.dev/platform/apierror"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/tenantdb"
)

// CalendarServer implements bookingv1.CalendarServiceServer.
type CalendarServer struct {
	bookingv1.UnimplementedCalendarServiceServer
	db *tenantdb.DB
}

// NewCalendarServer returns a CalendarServer storing rows through db.
func NewCalendarServer(db *tenantdb.DB) *CalendarServer { return &CalendarServer{db: db} }

// calendarConstraints is what a violation of the constraints of the tables
// these RPCs write answers.
var calendarConstraints = apierror.Constraints{}
