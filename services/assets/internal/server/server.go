// Package server implements the AssetService RPCs: it turns requests into
// store calls inside the request's tenant scope and rows back into resources.
// The standard-method skeleton (names, etags, idempotent creates, masks,
// filters) is the platform's (platform/aip); what is here is Assets' own.
package server

import (
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/blob"
	"steward.dev/services/assets/internal/store"
)

// Server implements assetsv1.AssetServiceServer.
type Server struct {
	assetsv1.UnimplementedAssetServiceServer
	db     *tenantdb.DB
	blobs  blob.Store
	logger *slog.Logger
	now    func() time.Time
}

// New returns a Server storing rows through db and file content in blobs.
func New(db *tenantdb.DB, blobs blob.Store, logger *slog.Logger) *Server {
	return &Server{db: db, blobs: blobs, logger: logger, now: time.Now}
}

// The resource names of the contract.
var (
	tenantPattern     = resname.Of(&accountsv1.Tenant{})
	homePattern       = resname.Of(&assetsv1.Home{})
	locationPattern   = resname.Of(&assetsv1.Location{})
	assetPattern      = resname.Of(&assetsv1.Asset{})
	readingPattern    = resname.Of(&assetsv1.MeterReading{})
	attachmentPattern = resname.Of(&assetsv1.Attachment{})
	categoryPattern   = resname.Of(&assetsv1.AssetCategory{})
)

// Constraints is what a violation of each of Assets' constraints answers.
var Constraints = apierror.Constraints{
	"locations_tenant_id_home_id_fkey": {Code: codes.NotFound, Field: "parent", OnDelete: &homeNotEmpty},
	"assets_tenant_id_home_id_fkey":    {Code: codes.NotFound, Field: "parent", OnDelete: &homeNotEmpty},
	"assets_category_id_fkey": {Code: codes.InvalidArgument, Field: "asset.category",
		Description: "is not in the catalogue (see ListAssetCategories)"},
	"assets_tenant_id_home_id_location_id_fkey": {Code: codes.InvalidArgument, Field: "asset.location",
		Description: "no such location in this home"},
	"attachments_tenant_id_asset_id_fkey": {Code: codes.NotFound, Field: "parent"},
}

var homeNotEmpty = apierror.Constraint{Code: codes.FailedPrecondition, Reason: assetsv1.ErrorReason_ERROR_REASON_HOME_NOT_EMPTY,
	Field: "name", Description: "still has locations or assets; delete them first"}

// queries opens the store on a connection or transaction.
func queries(tx tenantdb.DBTX) *store.Queries { return store.New(tx) }
