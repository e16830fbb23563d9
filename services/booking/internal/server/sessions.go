package server

import (
	"steward.dev/platform/apierror"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/tenantdb"
)

// SessionServer implements bookingv1.SessionServiceServer.
type SessionServer struct {
	bookingv1.UnimplementedSessionServiceServer
	db *tenantdb.DB
}

// NewSessionServer returns a SessionServer storing rows through db.
func NewSessionServer(db *tenantdb.DB) *SessionServer { return &SessionServer{db: db} }

// sessionConstraints is what a violation of the constraints of the tables
// these RPCs write answers.
var sessionConstraints = apierror.Constraints{}
