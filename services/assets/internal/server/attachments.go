package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/blob"
	"steward.dev/services/assets/internal/store"
)

func attachmentToProto(a store.AssetsAttachment, homeID uuid.UUID) *assetsv1.Attachment {
	return &assetsv1.Attachment{
		Name:        assetName(a.TenantID, homeID, a.AssetID) + "/attachments/" + a.AttachmentID.String(),
		Kind:        assetsv1.Attachment_Kind(assetsv1.Attachment_Kind_value["KIND_"+strings.ToUpper(a.Kind)]),
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
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	// The parent first, also for a retry: it must be an asset of that home.
	if err := checkAssetExists(ctx, q, ids[0], ids[1], ids[2], req.GetParent()); err != nil {
		return nil, err
	}
	rid := requestID(req.GetRequestId())
	if rid.Valid {
		prior, err := q.GetAttachmentByRequestID(ctx, store.GetAttachmentByRequestIDParams{TenantID: ids[0], RequestID: rid})
		if err == nil {
			return createdAttachment(prior, ids[1], ids[2])
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
	}
	in := req.GetAttachment()
	id := uuid.Must(uuid.NewV7())
	key := "tenants/" + ids[0].String() + "/attachments/" + id.String()
	sum := sha256.Sum256(req.GetContent())
	if err := s.blobs.Put(ctx, key, req.GetContent()); err != nil {
		return nil, err
	}
	row, err := q.CreateAttachment(ctx, store.CreateAttachmentParams{
		TenantID: ids[0], AssetID: ids[2], AttachmentID: id,
		Kind:     strings.ToLower(strings.TrimPrefix(in.GetKind().String(), "KIND_")),
		Filename: in.GetFilename(), ContentType: in.GetContentType(), SizeBytes: int64(len(req.GetContent())),
		Sha256: hex.EncodeToString(sum[:]), BlobKey: key, RequestID: rid,
	})
	if errors.Is(err, pgx.ErrNoRows) && rid.Valid {
		// A concurrent retry won the race; keep its content, drop ours.
		row, err = q.GetAttachmentByRequestID(ctx, store.GetAttachmentByRequestIDParams{TenantID: ids[0], RequestID: rid})
	}
	if err != nil || row.AttachmentID != id {
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.logger.Warn("orphaned attachment content", "key", key, "error", derr)
		}
	}
	if violatesConstraint(err, "attachments_tenant_id_asset_id_fkey") {
		return nil, notFoundAs(pgx.ErrNoRows, req.GetParent())
	}
	if err != nil {
		return nil, err
	}
	return createdAttachment(row, ids[1], ids[2])
}

// createdAttachment answers a create with row: ours, or an earlier request's
// with the same request_id, which is a retry only if it was for the same
// asset (the asset's home was checked already).
func createdAttachment(row store.AssetsAttachment, homeID, assetID uuid.UUID) (*assetsv1.Attachment, error) {
	if row.AssetID != assetID {
		return nil, apierror.FailedPrecondition("REQUEST_ID_REUSED", "request_id was already used to attach a file to another asset")
	}
	return attachmentToProto(row, homeID), nil
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
	ids, err := resname.Parse("name", name, false, "tenants", "homes", "assets", "attachments")
	if err != nil {
		return store.AssetsAttachment{}, uuid.Nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	// No row also when the asset is missing or in another home.
	row, err := q.GetAttachment(ctx, store.GetAttachmentParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2], AttachmentID: ids[3]})
	return row, ids[1], notFoundAs(err, name)
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
		return nil, notFoundAs(pgx.ErrNoRows, req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: row.ContentType, Data: data}, nil
}

func (s *Server) ListAttachments(ctx context.Context, req *assetsv1.ListAttachmentsRequest) (*assetsv1.ListAttachmentsResponse, error) {
	ids, err := resname.Parse("parent", req.GetParent(), false, "tenants", "homes", "assets")
	if err != nil {
		return nil, err
	}
	after, err := pagetoken.DecodeUUID(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	size := pagetoken.Size(req.GetPageSize())
	// Empty unless the asset is in that home; only then ask which it was.
	rows, err := q.ListAttachments(ctx, store.ListAttachmentsParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2], AfterID: after, PageLimit: size + 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := checkAssetExists(ctx, q, ids[0], ids[1], ids[2], req.GetParent()); err != nil {
			return nil, err
		}
	}
	rows, next := pagetoken.Page(rows, size, func(r store.AssetsAttachment) []string { return []string{r.AttachmentID.String()} }, req.GetParent())
	resp := &assetsv1.ListAttachmentsResponse{NextPageToken: next}
	for _, r := range rows {
		resp.Attachments = append(resp.Attachments, attachmentToProto(r, ids[1]))
	}
	return resp, nil
}

func (s *Server) DeleteAttachment(ctx context.Context, req *assetsv1.DeleteAttachmentRequest) (*emptypb.Empty, error) {
	ids, err := resname.Parse("name", req.GetName(), false, "tenants", "homes", "assets", "attachments")
	if err != nil {
		return nil, err
	}
	q := store.New(s.db.Scoped(ctx))
	// Deletes nothing also when the asset is missing or in another home.
	key, err := q.DeleteAttachment(ctx, store.DeleteAttachmentParams{TenantID: ids[0], HomeID: ids[1], AssetID: ids[2], AttachmentID: ids[3]})
	if err != nil {
		return nil, notFoundAs(err, req.GetName())
	}
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.logger.Warn("orphaned attachment content", "key", key, "error", err)
	}
	return &emptypb.Empty{}, nil
}
