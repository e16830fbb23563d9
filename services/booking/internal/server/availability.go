package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/store"
)

// GetAvailability reads a teacher's availability: every school role reads
// it (schedule.read). A teacher who never published any has none, at etag 1.
func (s *SessionServer) GetAvailability(ctx context.Context, req *bookingv1.GetAvailabilityRequest) (*bookingv1.Availability, error) {
	n, err := availabilityPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	q := queries(s.db.Scoped(ctx))
	if _, err := q.GetTeacher(ctx, store.GetTeacherParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher")}); err != nil {
		return nil, aip.NotFoundAs(err, req.GetName())
	}
	row, err := q.GetAvailabilityRow(ctx, store.GetAvailabilityRowParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher")})
	if errors.Is(err, pgx.ErrNoRows) {
		row, err = store.BookingAvailability{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher"), Revision: 1}, nil
	}
	if err != nil {
		return nil, err
	}
	return availabilityOut(ctx, q, row)
}

// UpdateAvailability replaces a teacher's blocks and exceptions: ADMIN for
// anyone, a TEACHER for themselves. A TEACHER reads every teacher's
// availability, so changing another's is PERMISSION_DENIED (not NOT_FOUND:
// they know it exists). Sessions already booked stay.
func (s *SessionServer) UpdateAvailability(ctx context.Context, req *bookingv1.UpdateAvailabilityRequest) (*bookingv1.Availability, error) {
	in := req.GetAvailability()
	n, err := availabilityPattern.Parse("availability.name", in.GetName())
	if err != nil {
		return nil, err
	}
	blocks, err := parseBlocks(n, in.GetBlocks())
	if err != nil {
		return nil, err
	}
	exceptions, err := parseExceptions(n, in.GetExceptions())
	if err != nil {
		return nil, err
	}
	tenant, teacher := n.ID("tenant"), n.ID("teacher")
	var out *bookingv1.Availability
	err = s.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		q := queries(tx)
		if _, err := q.GetTeacher(ctx, store.GetTeacherParams{TenantID: tenant, TeacherID: teacher}); err != nil {
			return aip.NotFoundAs(err, in.GetName())
		}
		if t, _ := scope.TenantFrom(ctx); !t.HasRole(typev1.Role_ROLE_ADMIN) {
			own, ok, err := callerTeacher(ctx, q)
			if err != nil {
				return err
			}
			if !ok || own != teacher {
				return apierror.PermissionDenied("a teacher changes only their own availability")
			}
		}
		cur, err := q.CreateOrLockAvailability(ctx, store.CreateOrLockAvailabilityParams{TenantID: tenant, TeacherID: teacher})
		if err != nil {
			return err
		}
		if err := aip.CheckEtag(in.GetEtag(), cur.Revision, in.GetName()); err != nil {
			return err
		}
		if err := q.ClearAvailabilityBlocks(ctx, store.ClearAvailabilityBlocksParams{TenantID: tenant, TeacherID: teacher}); err != nil {
			return err
		}
		if err := q.ClearAvailabilityExceptions(ctx, store.ClearAvailabilityExceptionsParams{TenantID: tenant, TeacherID: teacher}); err != nil {
			return err
		}
		for _, b := range blocks {
			if err := q.CreateAvailabilityBlock(ctx, b); err != nil {
				return err
			}
		}
		for _, e := range exceptions {
			if err := q.CreateAvailabilityException(ctx, e); err != nil {
				return err
			}
		}
		row, err := q.TouchAvailability(ctx, store.TouchAvailabilityParams{TenantID: tenant, TeacherID: teacher})
		if err != nil {
			return err
		}
		out, err = availabilityOut(ctx, q, row)
		return err
	})
	return out, err
}

// clockTime reads "HH:MM" (or "24:00") as a time of day.
func clockTime(s string) (pgtype.Time, bool) {
	if s == "24:00" {
		return pgtype.Time{Microseconds: int64(24 * time.Hour / time.Microsecond), Valid: true}, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return pgtype.Time{}, false
	}
	return pgtype.Time{Microseconds: int64((time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute) / time.Microsecond), Valid: true}, true
}

// minutesOf is a time of day as minutes since midnight ('24:00' is 1440).
func minutesOf(t pgtype.Time) int { return int(t.Microseconds / int64(time.Minute/time.Microsecond)) }

func formatClock(t pgtype.Time) string {
	if !t.Valid {
		return ""
	}
	m := minutesOf(t)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// parseBlocks checks the blocks: a room of the school, an end after the
// start, and no two overlapping on one weekday (their grids would clash).
func parseBlocks(n resname.Name, in []*bookingv1.AvailabilityBlock) ([]store.CreateAvailabilityBlockParams, error) {
	var out []store.CreateAvailabilityBlockParams
	for i, b := range in {
		field := fmt.Sprintf("availability.blocks[%d]", i)
		start, ok1 := clockTime(b.GetStartTime())
		end, ok2 := clockTime(b.GetEndTime())
		if !ok1 || !ok2 || end.Microseconds <= start.Microseconds {
			return nil, apierror.InvalidField(field+".end_time", "must be after start_time (both HH:MM; 24:00 ends the day)")
		}
		room, err := roomPattern.Parse(field+".room", b.GetRoom())
		if err != nil {
			return nil, err
		}
		if room.ID("tenant") != n.ID("tenant") {
			return nil, apierror.InvalidField(field+".room", "is not a room of the school")
		}
		p := store.CreateAvailabilityBlockParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher"), BlockNumber: int32(i + 1),
			Weekday: int16(b.GetWeekday()), StartTime: start, EndTime: end, RoomID: room.ID("room")}
		for _, o := range out {
			if o.Weekday == p.Weekday && o.StartTime.Microseconds < end.Microseconds && start.Microseconds < o.EndTime.Microseconds {
				return nil, apierror.InvalidField(field, fmt.Sprintf("overlaps block %d on the same weekday", o.BlockNumber-1))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func parseExceptions(n resname.Name, in []*bookingv1.AvailabilityException) ([]store.CreateAvailabilityExceptionParams, error) {
	var out []store.CreateAvailabilityExceptionParams
	for i, e := range in {
		field := fmt.Sprintf("availability.exceptions[%d]", i)
		d, ok := aip.ParseDate(e.GetDate())
		if !ok || !d.Valid {
			return nil, apierror.InvalidField(field+".date", "is required: YYYY-MM-DD")
		}
		p := store.CreateAvailabilityExceptionParams{TenantID: n.ID("tenant"), TeacherID: n.ID("teacher"), ExceptionNumber: int32(i + 1),
			OnDate: d, Note: e.GetNote()}
		if e.GetStartTime() != "" || e.GetEndTime() != "" {
			start, ok1 := clockTime(e.GetStartTime())
			end, ok2 := clockTime(e.GetEndTime())
			if !ok1 || !ok2 || end.Microseconds <= start.Microseconds {
				return nil, apierror.InvalidField(field+".end_time", "must be after start_time; leave both empty for the whole day")
			}
			p.StartTime, p.EndTime = start, end
		}
		out = append(out, p)
	}
	return out, nil
}

func availabilityOut(ctx context.Context, q *store.Queries, row store.BookingAvailability) (*bookingv1.Availability, error) {
	key := store.AvailabilityBlocksOfParams{TenantID: row.TenantID, TeacherID: row.TeacherID}
	blocks, err := q.AvailabilityBlocksOf(ctx, key)
	if err != nil {
		return nil, err
	}
	exceptions, err := q.AvailabilityExceptionsOf(ctx, store.AvailabilityExceptionsOfParams(key))
	if err != nil {
		return nil, err
	}
	out := &bookingv1.Availability{Name: availabilityPattern.Format(row.TenantID, row.TeacherID), Etag: aip.Etag(row.Revision)}
	if !row.UpdateTime.IsZero() {
		out.UpdateTime = timestamppb.New(row.UpdateTime)
	}
	for _, b := range blocks {
		out.Blocks = append(out.Blocks, &bookingv1.AvailabilityBlock{Weekday: int32(b.Weekday), StartTime: formatClock(b.StartTime),
			EndTime: formatClock(b.EndTime), Room: roomPattern.Format(row.TenantID, b.RoomID)})
	}
	for _, e := range exceptions {
		out.Exceptions = append(out.Exceptions, &bookingv1.AvailabilityException{Date: aip.FormatDate(e.OnDate),
			StartTime: formatClock(e.StartTime), EndTime: formatClock(e.EndTime), Note: e.Note})
	}
	return out, nil
}
