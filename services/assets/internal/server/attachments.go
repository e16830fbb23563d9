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
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/blob"
	"steward.dev/services/assets/internal/store"
)

// attachmentKinds has no default: the contract refuses an unspecified kind.
var attachmentKinds = aip.NewEnum(assetsv1.Attachment_KIND_UNSPECIFIED)

var attachments = aip.Resource[*store.Queries, store.AssetsAttachment, *assetsv1.Attachment]{
	Pattern: attachmentPattern,
	Parent:  assetPattern,
	Queries: queries,
	// No row also when the asset is missing or in another home.
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.AssetsAttachment, error) {
		return q.GetAttachment(ctx, store.GetAttachmentParams{TenantID: n.ID("tenant"), HomeID: n.ID("home"), AssetID: n.ID("asset"), AttachmentID: n.ID("attachment")})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, parent resname.Name, rid uuid.NullUUID) (store.AssetsAttachment, error) {
		return q.GetAttachmentByRequestID(ctx, store.GetAttachmentByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
	},
	Fingerprint: func(a store.AssetsAttachment) []byte { return a.RequestFingerprint },
	// The parent first, also for a retry: it must be an asset of that home,
	// which the attachment's own foreign key (tenant and asset) cannot say.
	CheckParent:  requireAsset,
	ParentExists: assetExists,
	Proto:        attachmentToProto,
}

// attachmentToProto converts a, whose row has no home: asked, the asset or
// attachment the request named, has it.
func attachmentToProto(a store.AssetsAttachment, asked resname.Name) *assetsv1.Attachment {
	return &assetsv1.Attachment{
		Name:        attachmentPattern.Format(a.TenantID, asked.ID("home"), a.AssetID, a.AttachmentID),
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
// The content is written before the create's transaction opens, so an upload
// of megabytes never holds a database connection; when no row of ours comes
// back (a retry, a concurrent retry that won, a missing asset), ours goes.
func (s *Server) CreateAttachment(ctx context.Context, req *assetsv1.CreateAttachmentRequest) (*assetsv1.Attachment, error) {
	parent, err := attachments.Parent.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetAttachment()
	id := uuid.Must(uuid.NewV7())
	blobKey := "tenants/" + parent.ID("tenant").String() + "/attachments/" + id.String()
	if err := s.blobs.Put(ctx, blobKey, req.GetContent()); err != nil {
		return nil, err
	}
	ours := false
	out, err := attachments.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, parent resname.Name, key aip.Idempotency) (store.AssetsAttachment, error) {
		sum := sha256.Sum256(req.GetContent())
		row, err := q.CreateAttachment(ctx, store.CreateAttachmentParams{
			TenantID: parent.ID("tenant"), AssetID: parent.ID("asset"), AttachmentID: id, Kind: attachmentKinds.ToDB(in.GetKind()),
			Filename: in.GetFilename(), ContentType: in.GetContentType(), SizeBytes: int64(len(req.GetContent())),
			Sha256: hex.EncodeToString(sum[:]), BlobKey: blobKey, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
		ours = err == nil
		return row, err
	})
	if err != nil || !ours {
		s.deleteBlobs(ctx, blobKey)
	}
	return out, err
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

// assetExists tells an empty list of an asset's children from a list of a
// missing asset: the tables of an asset's children have no home_id, so the
// asset must be asked whether it is in the home the name says.
func assetExists(ctx context.Context, q *store.Queries, parent resname.Name) (bool, error) {
	return q.AssetExists(ctx, store.AssetExistsParams{TenantID: parent.ID("tenant"), HomeID: parent.ID("home"), AssetID: parent.ID("asset")})
}

// requireAsset is NOT_FOUND for parent unless the asset is in its home.
func requireAsset(ctx context.Context, q *store.Queries, parent resname.Name) error {
	ok, err := assetExists(ctx, q, parent)
	if err == nil && !ok {
		err = apierror.NotFound(parent.String())
	}
	return err
}

func (s *Server) GetAttachment(ctx context.Context, req *assetsv1.GetAttachmentRequest) (*assetsv1.Attachment, error) {
	return attachments.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) GetAttachmentContent(ctx context.Context, req *assetsv1.GetAttachmentContentRequest) (*httpbody.HttpBody, error) {
	n, err := attachmentPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	row, err := attachments.Read(ctx, store.New(s.db.Scoped(ctx)), n)
	if err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
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
	// Empty unless the asset is in that home; only then ask which it was.
	page, next, err := attachments.List(ctx, s.db, req, func(a store.AssetsAttachment) uuid.UUID { return a.AttachmentID }, func(q *store.Queries, p aip.Page) ([]store.AssetsAttachment, error) {
		return q.ListAttachments(ctx, store.ListAttachmentsParams{TenantID: p.Parent.ID("tenant"), HomeID: p.Parent.ID("home"), AssetID: p.Parent.ID("asset"), AfterID: p.After, PageLimit: p.Limit})
	})
	if err != nil {
		return nil, err
	}
	return &assetsv1.ListAttachmentsResponse{Attachments: page, NextPageToken: next}, nil
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
