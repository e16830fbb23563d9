package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// WarmConn runs CreateBooking's statements once on a new connection of the
// pool, as tenantdb.Warm describes: the read finds no class (the tenant
// has none) and the one-slot write fails on its foreign keys, after it was
// planned and its triggers, exclusion constraints and every table it
// writes were loaded. Measured on the seeded school (2 CPUs): a fresh
// connection's first BookingContext took 9–28 ms and its first
// CreateBookedSlot 3–13 ms; after WarmConn 0.7–1.8 ms and 1.7–1.9 ms.
// Without it a booking rush met every connection of the pool paying that
// at once, in its first second. Both stay prepared (tenantdb's keeping), so
// a write that loses a race (23P01) no longer has the next booking on its
// connection prepare and plan them again.
func WarmConn(ctx context.Context, db tenantdb.DBTX, tenant uuid.UUID) error {
	q := queries(db)
	start := time.Unix(0, 0)
	_, err := q.BookingContext(ctx, store.BookingContextParams{TenantID: tenant, RangeStart: start, RangeEnd: start.Add(busyMargin)})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	_, err = q.CreateBookedSlot(ctx, store.CreateBookedSlotParams{TenantID: tenant, BookingID: uuid.New(), SessionID: uuid.New(),
		EventID: uuid.New(), Repeat: "once", Kind: "individual", StartTime: start, EndTime: start.Add(time.Minute)})
	// Anything but its foreign keys refusing it means the warm-up no
	// longer reaches the end of the statement: fail, so that a test sees.
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == "23503" {
		return nil
	}
	if err == nil {
		return errors.New("warm-up CreateBookedSlot: want a foreign key violation, got none")
	}
	return fmt.Errorf("warm-up CreateBookedSlot: want a foreign key violation, got %w", err)
}
