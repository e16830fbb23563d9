package server

import (
	"steward.dev/platform/apierror"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/tenantdb"
)

// TermServer implements bookingv1.TermServiceServer.
type TermServer struct {
	bookingv1.UnimplementedTermServiceServer
	db *tenantdb.DB
}

// NewTermServer returns a TermServer storing rows through db.
func NewTermServer(db *tenantdb.DB) *TermServer { return &TermServer{db: db} }

// termConstraints is what a violation of the constraints of the tables
// these RPCs write answers.
var termConstraints = apierror.Constraints{}
