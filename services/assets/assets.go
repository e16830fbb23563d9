// Package assets assembles the Asset Management service, for its main
// package and for tests that run it the way main does.
package assets

import (
	"log/slog"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/grpcserver"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/blob"
	"steward.dev/services/assets/internal/server"
)

// Services returns the gRPC services of Asset Management, storing attachment
// content under blobDir.
func Services(db *tenantdb.DB, blobDir string, logger *slog.Logger) ([]grpcserver.Service, error) {
	blobs, err := blob.NewDisk(blobDir)
	if err != nil {
		return nil, err
	}
	return []grpcserver.Service{{Desc: server.Constraints.Register(&assetsv1.AssetService_ServiceDesc), Impl: server.New(db, blobs, logger)}}, nil
}
