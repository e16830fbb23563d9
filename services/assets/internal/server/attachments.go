package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/services/assets/internal/blob"
	"steward.dev/services/assets/internal/store"
)

// attachmentKinds has no default: the contract refuses an unspecified kind.
var attachmentKinds = aip.NewEnum(assetsv1.Attachment_KIND_UNSPECIFIED)

func attachmentToProto(a store.AssetsAttachment, homeID uuid.UUID) *assetsv1.Attachment {
	return &assetsv1.Attachment{
		Name:        attachmentPattern.Format(a.TenantID, homeID, a.AssetID, a.AttachmentID),
		Kind:        attachmentKinds.FromDB(a.Kind),
		Filename:    a.Filename,
		ContentType: a.ContentType,
		SizeBytes:   a.SizeBytes,
		Sha256:      a.Sha256,
		CreateTime:  timestamppb.New(a.CreateTime),
	}
}

// CreateAttachment stores the content first and the row second: a failure in
// between leaves at worst an unreferenced file, never a row without content.
func (s *Server) CreateAttachment(ctx context.Context, req *assetsv1.CreateAttachmentRequest) (*assetsv1.Attachment, error) {
	parent, err := assetPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	tenantID, homeID, assetID := parent.ID("tenant"), parent.ID("home"), parent.ID("asset")
	q := store.New(s.db.Scoped(ctx))
	// The parent first, also for a retry: it must be an asset of that home.
	if err := checkAssetExists(ctx, q, tenantID, homeID, assetID, req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetAttachment()
	row, err := aip.Create[store.AssetsAttachment]{
		Find: func(ctx context.Context, rid uuid.UUID) (store.AssetsAttachment, error) {
			return q.GetAttachmentByRequestID(ctx, store.GetAttachmentByRequestIDParams{TenantID: tenantID, RequestID: uuid.NullUUID{UUID: rid, Valid: true}})
		},
		Fingerprint: func(a store.AssetsAttachment) []byte { return a.RequestFingerprint },
		Insert: func(ctx context.Context, key aip.Idempotency) (store.AssetsAttachment, error) {
			id := uuid.Must(uuid.NewV7())
			blobKey := "tenants/" + tenantID.String() + "/attachments/" + id.String()
			sum := sha256.Sum256(req.GetContent())
			if err := s.blobs.Put(ctx, blobKey, req.GetContent()); err != nil {
				return store.AssetsAttachment{}, err
			}
			row, err := q.CreateAttachment(ctx, store.CreateAttachmentParams{
				TenantID: tenantID, AssetID: assetID, AttachmentID: id, Kind: attachmentKinds.ToDB(in.GetKind()),
				Filename: in.GetFilename(), ContentType: in.GetContentType(), SizeBytes: int64(len(req.GetContent())),
				Sha256: hex.EncodeToString(sum[:]), BlobKey: blobKey, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
			})
			if err != nil { // also when a concurrent retry won: keep its content, drop ours
				s.deleteBlobs(ctx, blobKey)
			}
			return row, err
		},
	}.Run(ctx, req)
	if err != nil {
		return nil, err
	}
	return attachmentToProto(row, homeID), nil
}

// deleteBlobs removes content whose rows are gone; a failure leaves an
// orphan file, which is logged, never a row pointing at nothing.
func (s *Server) deleteBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), k); err != nil {
			s.logger.Warn("orphaned attachment content", "key", k, "error", err)
		}
	}
}

// checkAssetExists answers NOT_FOUND for parent unless the asset exists in
// that home of the tenant: the tables of an asset's children have no home_id.
// Lists call it only when a page comes back empty, so the common case stays
// one round trip.
func checkAssetExists(ctx context.Context, q *store.Queries, tenantID, homeID, assetID uuid.UUID, parent string) error {
	ok, err := q.AssetExists(ctx, store.AssetExistsParams{TenantID: tenantID, HomeID: homeID, AssetID: assetID})
	if err != nil {
		return err
	}
	if !ok {
		return apierror.NotFound(parent)
	}
	return nil
}

func (s *Server) getAttachment(ctx context.Context, name string) (store.AssetsAttachment, uuid.UUID, error) {
	n, err := attachmentPattern.Parse("name", name)
	if err != nil {
		return store.AssetsAttachment{}, uuid.Nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	// No row also when the asset is missing or in another home.
	row, err := q.GetAttachment(ctx, store.GetAttachmentParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), AssetID: n.ID("asset"), AttachmentID: n.ID("attachment")})
	return row, n.ID("home"), aip.NotFoundAs(err, name)
}

func (s *Server) GetAttachment(ctx context.Context, req *assetsv1.GetAttachmentRequest) (*assetsv1.Attachment, error) {
	row, homeID, err := s.getAttachment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return attachmentToProto(row, homeID), nil
}

func (s *Server) GetAttachmentContent(ctx context.Context, req *assetsv1.GetAttachmentContentRequest) (*httpbody.HttpBody, error) {
	row, _, err := s.getAttachment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	data, err := s.blobs.Get(ctx, row.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, aip.NotFoundAs(pgx.ErrNoRows, req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: row.ContentType, Data: data}, nil
}

func (s *Server) ListAttachments(ctx context.Context, req *assetsv1.ListAttachmentsRequest) (*assetsv1.ListAttachmentsResponse, error) {
	parent, err := assetPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	size := pagetoken.Size(req.GetPageSize())
	tenantID, homeID, assetID := parent.ID("tenant"), parent.ID("home"), parent.ID("asset")
	// Empty unless the asset is in that home; only then ask which it was.
	rows, err := q.ListAttachments(ctx, store.ListAttachmentsParams{TenantID: tenantID, HomeID: homeID, AssetID: assetID, AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := checkAssetExists(ctx, q, tenantID, homeID, assetID, req.GetParent()); err != nil {
			return nil, err
		}
	}
	resp := &assetsv1.ListAttachmentsResponse{}
	resp.Attachments, resp.NextPageToken = pagetoken.Page(rows, size, func(r store.AssetsAttachment) []string { return []string{r.AttachmentID.String()} },
		func(r store.AssetsAttachment) *assetsv1.Attachment { return attachmentToProto(r, homeID) }, req.GetParent())
	return resp, nil
}

func (s *Server) DeleteAttachment(ctx context.Context, req *assetsv1.DeleteAttachmentRequest) (*emptypb.Empty, error) {
	n, err := attachmentPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	// Deletes nothing also when the asset is missing or in another home.
	key, err := q.DeleteAttachment(ctx, store.DeleteAttachmentParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), AssetID: n.ID("asset"), AttachmentID: n.ID("attachment")})
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	s.deleteBlobs(ctx, key)
	return &emptypb.Empty{}, nil
}
