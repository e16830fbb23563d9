package server

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"steward.dev/platform/scope"
	"steward.dev/services/booking/internal/store"
)

// callerTeacher is the teacher the calling user is in the request's school:
// ok is false for a caller who teaches nothing here (or no user at all).
func callerTeacher(ctx context.Context, q *store.Queries) (teacherID uuid.UUID, ok bool, err error) {
	t, inTenant := scope.TenantFrom(ctx)
	c, isCaller := scope.CallerFrom(ctx)
	if !inTenant || !isCaller || c.UserID == uuid.Nil {
		return uuid.Nil, false, nil
	}
	row, err := q.TeacherOfUser(ctx, store.TeacherOfUserParams{TenantID: t.TenantID, UserID: c.UserID})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return uuid.Nil, false, nil
	case err != nil:
		return uuid.Nil, false, err
	}
	return row.TeacherID, true, nil
}
