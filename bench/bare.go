package bench

import (
	"context"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

// bareServer is the floor of the architecture: gRPC straight into pgx, with
// no authentication, scope, validation or authorization.
type bareServer struct {
	assetsv1.UnimplementedAssetServiceServer
	pool   *pgxpool.Pool
	target Target
}

func (s *stack) serveBare(pool *pgxpool.Pool) (string, error) {
	srv := grpc.NewServer()
	assetsv1.RegisterAssetServiceServer(srv, &bareServer{pool: pool, target: s.target})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = srv.Serve(lis) }()
	s.closers = append(s.closers, srv.Stop)
	return lis.Addr().String(), nil
}

// GetAsset reads the one benchmarked asset whatever the name says: parsing
// names belongs to the full chain, not the floor.
func (b *bareServer) GetAsset(ctx context.Context, req *assetsv1.GetAssetRequest) (*assetsv1.Asset, error) {
	a, err := readAsset(ctx, b.pool, b.target)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	a.Name = req.GetName()
	return a, nil
}

// assetRow is the row assetSelect returns.
type assetRow struct {
	displayName, category, make, model, serial string
	installDate, purchaseDate, warrantyExpiry  pgtype.Date
	costMinor                                  pgtype.Int8
	costCurrency                               pgtype.Text
	lifespan                                   int32
	location                                   uuid.NullUUID
	status                                     string
	attributes                                 map[string]string
	revision                                   int64
	createTime, updateTime                     time.Time
}

func scanAsset(ctx context.Context, pool *pgxpool.Pool, t Target) (assetRow, error) {
	var r assetRow
	err := pool.QueryRow(ctx, assetSelect, t.TenantID, t.HomeID, t.AssetID).Scan(
		&r.displayName, &r.category, &r.make, &r.model, &r.serial, &r.installDate, &r.purchaseDate,
		&r.costMinor, &r.costCurrency, &r.lifespan, &r.warrantyExpiry,
		&r.location, &r.status, &r.attributes, &r.revision, &r.createTime, &r.updateTime)
	return r, err
}

func readAsset(ctx context.Context, pool *pgxpool.Pool, t Target) (*assetsv1.Asset, error) {
	r, err := scanAsset(ctx, pool, t)
	if err != nil {
		return nil, err
	}
	return &assetsv1.Asset{
		DisplayName:            r.displayName,
		Category:               "assetCategories/" + r.category,
		Make:                   r.make,
		Model:                  r.model,
		SerialNumber:           r.serial,
		ExpectedLifespanMonths: r.lifespan,
		Attributes:             r.attributes,
		CreateTime:             timestamppb.New(r.createTime),
		UpdateTime:             timestamppb.New(r.updateTime),
		Etag:                   strconv.FormatInt(r.revision, 10),
	}, nil
}

func tempDir() (string, error) { return os.MkdirTemp("", "stw-bench-blobs-") }
