// Package server implements the AssetService RPCs: it turns requests into
// store calls inside the request's tenant scope and rows back into resources.
package server

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/assets/internal/blob"
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

func etag(revision int64) string { return strconv.FormatInt(revision, 10) }

// checkEtag passes when the client sent no etag or the current one.
func checkEtag(sent string, revision int64, name string) error {
	if sent != "" && sent != etag(revision) {
		return apierror.EtagMismatch(name)
	}
	return nil
}

// notFoundAs turns a missing row into NOT_FOUND for name.
func notFoundAs(err error, name string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apierror.NotFound(name)
	}
	return err
}

// requestID parses an optional request_id (already validated as a UUID).
func requestID(s string) uuid.NullUUID {
	if s == "" {
		return uuid.NullUUID{}
	}
	id, err := uuid.Parse(s)
	return uuid.NullUUID{UUID: id, Valid: err == nil}
}

// violatesConstraint reports whether err is a PostgreSQL error on constraint.
func violatesConstraint(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.ConstraintName == constraint
}

// parseDate parses an optional YYYY-MM-DD date field.
// parseDate reads YYYY-MM-DD; "" is no date (Valid false) and not an error.
// Callers word the error for their field.
func parseDate(s string) (pgtype.Date, bool) {
	if s == "" {
		return pgtype.Date{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return pgtype.Date{}, false
	}
	return pgtype.Date{Time: t, Valid: true}, true
}

func formatDate(d pgtype.Date) string {
	if !d.Valid {
		return ""
	}
	return d.Time.Format(time.DateOnly)
}

// snakeCase accepts JSON-style mask paths ("displayName") as well as proto
// names ("display_name"): clients of the JSON gateway write the former.
func snakeCase(path string) string {
	var b strings.Builder
	for _, r := range path {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
