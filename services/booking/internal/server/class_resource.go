package server

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/booking/internal/schedule"
	"steward.dev/services/booking/internal/store"
)

// txQueries is the store with the connection it runs on, for the
// savepoints of the schedule's writes.
type txQueries struct {
	*store.Queries
	tx tenantdb.DBTX
}

func txQueriesOf(tx tenantdb.DBTX) txQueries { return txQueries{Queries: store.New(tx), tx: tx} }

// classRow is a class with the length of its waitlist.
type classRow = store.GetClassRow

var classes = aip.Resource[txQueries, classRow, *bookingv1.Class]{
	Pattern: classPattern, Parent: tenantPattern, Queries: txQueriesOf,
	Read: func(ctx context.Context, q txQueries, n resname.Name) (classRow, error) {
		return q.GetClass(ctx, store.GetClassParams{TenantID: n.ID("tenant"), ClassID: n.ID("class")})
	},
	Lock: func(ctx context.Context, q txQueries, n resname.Name) (classRow, error) {
		c, err := q.LockClass(ctx, store.LockClassParams{TenantID: n.ID("tenant"), ClassID: n.ID("class")})
		return classRow{BookingClass: c}, err
	},
	ByRequestID: func(ctx context.Context, q txQueries, p resname.Name, rid uuid.NullUUID) (classRow, error) {
		c, err := q.ClassCreatedBy(ctx, store.ClassCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
		if err != nil {
			return classRow{}, err
		}
		return q.GetClass(ctx, store.GetClassParams{TenantID: c.TenantID, ClassID: c.ClassID})
	},
	Revision:    func(r classRow) int64 { return r.BookingClass.Revision },
	Fingerprint: func(r classRow) []byte { return r.BookingClass.RequestFingerprint },
	// term is immutable; it is in Mutable only so that a class sent back as
	// read (with its term) updates, while a different term is refused.
	Mutable: []string{"term", "display_name", "instrument", "teacher", "room", "weekday", "start_time", "group_minutes",
		"individual_minutes", "capacity"},
	Required: []string{"display_name", "instrument", "teacher", "room", "weekday", "start_time", "group_minutes",
		"individual_minutes", "capacity"},
	Proto: classToProto,
}

func classToProto(r classRow, _ resname.Name) *bookingv1.Class {
	c := r.BookingClass
	return &bookingv1.Class{
		Name: classPattern.Format(c.TenantID, c.ClassID), Term: termPattern.Format(c.TenantID, c.TermID), DisplayName: c.DisplayName,
		Instrument: instrumentPattern.Format(c.TenantID, c.InstrumentID), Teacher: teacherPattern.Format(c.TenantID, c.TeacherID),
		Room: roomPattern.Format(c.TenantID, c.RoomID), Weekday: int32(c.Weekday), StartTime: fromClock(c.StartTime).String(),
		GroupMinutes: c.GroupMinutes, IndividualMinutes: c.IndividualMinutes, Capacity: c.Capacity,
		EnrolledCount: c.EnrolledCount, WaitlistCount: r.WaitlistCount,
		CreateTime: timestamppb.New(c.CreateTime), UpdateTime: timestamppb.New(c.UpdateTime), Etag: aip.Etag(c.Revision),
	}
}

// refID is the id in a reference to a resource of the school: a name of
// another tenant's is NOT_FOUND, as one that does not exist.
func refID(field, name string, p resname.Pattern, variable string, tenant uuid.UUID) (uuid.UUID, error) {
	n, err := p.Parse(field, name)
	if err != nil {
		return uuid.Nil, err
	}
	if n.ID("tenant") != tenant {
		return uuid.Nil, apierror.NotFound(name)
	}
	return n.ID(variable), nil
}

// classChange applies the fields of in that mask names to c, checking each.
func classChange(c *store.BookingClass, in *bookingv1.Class, mask aip.Mask) error {
	var err error
	take(mask, "display_name", &c.DisplayName, in.GetDisplayName())
	for _, ref := range []struct {
		field    string
		p        resname.Pattern
		variable string
		dst      *uuid.UUID
		v        string
	}{
		{"instrument", instrumentPattern, "instrument", &c.InstrumentID, in.GetInstrument()},
		{"teacher", teacherPattern, "teacher", &c.TeacherID, in.GetTeacher()},
		{"room", roomPattern, "room", &c.RoomID, in.GetRoom()},
	} {
		if mask.Has(ref.field) {
			if *ref.dst, err = refID("class."+ref.field, ref.v, ref.p, ref.variable, c.TenantID); err != nil {
				return err
			}
		}
	}
	if mask.Has("weekday") {
		if w := in.GetWeekday(); w < 1 || w > 7 {
			return apierror.InvalidField("class.weekday", "must be an ISO weekday, 1 (Monday) to 7 (Sunday)")
		}
		c.Weekday = int16(in.GetWeekday())
	}
	if mask.Has("start_time") {
		clock, err := schedule.ParseClock(in.GetStartTime())
		if err != nil {
			return apierror.InvalidField("class.start_time", "must be a time of day, HH:MM")
		}
		c.StartTime = toClock(clock)
	}
	for _, n := range []struct {
		field    string
		dst      *int32
		v, least int32
	}{
		{"group_minutes", &c.GroupMinutes, in.GetGroupMinutes(), 5},
		{"individual_minutes", &c.IndividualMinutes, in.GetIndividualMinutes(), 5},
		{"capacity", &c.Capacity, in.GetCapacity(), 1},
	} {
		if mask.Has(n.field) {
			if n.v < n.least {
				return apierror.InvalidField("class."+n.field, "must be at least "+itoa(n.least))
			}
			*n.dst = n.v
		}
	}
	return nil
}

func (s *TermServer) CreateClass(ctx context.Context, req *bookingv1.CreateClassRequest) (*bookingv1.Class, error) {
	in := req.GetClass()
	p, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	c := store.BookingClass{TenantID: p.ID("tenant")}
	for _, f := range []struct {
		field string
		empty bool
	}{
		{"term", in.GetTerm() == ""}, {"display_name", in.GetDisplayName() == ""}, {"instrument", in.GetInstrument() == ""},
		{"teacher", in.GetTeacher() == ""}, {"room", in.GetRoom() == ""}, {"weekday", in.GetWeekday() == 0},
		{"start_time", in.GetStartTime() == ""}, {"group_minutes", in.GetGroupMinutes() == 0},
		{"individual_minutes", in.GetIndividualMinutes() == 0}, {"capacity", in.GetCapacity() == 0},
	} {
		if f.empty { // in the contract's order, so the first missing is named
			return nil, apierror.InvalidField("class."+f.field, "is required")
		}
	}
	if c.TermID, err = refID("class.term", in.GetTerm(), termPattern, "term", c.TenantID); err != nil {
		return nil, err
	}
	if err := classChange(&c, in, aip.AllFields(classes.Mutable...)); err != nil {
		return nil, err
	}
	return classes.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q txQueries, _ resname.Name, key aip.Idempotency) (classRow, error) {
		term, err := q.ShareTerm(ctx, store.ShareTermParams{TenantID: c.TenantID, TermID: c.TermID})
		if err != nil {
			return classRow{}, aip.NotFoundAs(err, in.GetTerm())
		}
		row, err := q.CreateClass(ctx, store.CreateClassParams{TenantID: c.TenantID, ClassID: uuid.Must(uuid.NewV7()), TermID: c.TermID,
			DisplayName: c.DisplayName, InstrumentID: c.InstrumentID, TeacherID: c.TeacherID, RoomID: c.RoomID, Weekday: c.Weekday,
			StartTime: c.StartTime, GroupMinutes: c.GroupMinutes, IndividualMinutes: c.IndividualMinutes, Capacity: c.Capacity,
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
		if err != nil {
			return classRow{}, err
		}
		if err := materializeClass(ctx, q, row, term); err != nil {
			return classRow{}, err
		}
		return classRow{BookingClass: row}, nil
	})
}

func (s *TermServer) GetClass(ctx context.Context, req *bookingv1.GetClassRequest) (*bookingv1.Class, error) {
	return classes.Get(ctx, s.db, "name", req.GetName())
}

func (s *TermServer) ListClasses(ctx context.Context, req *bookingv1.ListClassesRequest) (*bookingv1.ListClassesResponse, error) {
	page, next, err := classes.List(ctx, s.db, req, func(r classRow) uuid.UUID { return r.BookingClass.ClassID },
		func(q txQueries, pg aip.Page) ([]classRow, error) {
			tenant := pg.Parent.ID("tenant")
			p := store.ListClassesParams{TenantID: tenant, AfterID: pg.After, PageLimit: pg.Limit}
			ref := func(name string, pt resname.Pattern, variable string, dst *uuid.NullUUID) aip.FilterField {
				return aip.FilterField{Name: name, Bind: func(f *aip.Filter, t aip.Term) error {
					n, err := pt.Parse("filter", t.Value)
					if t.Op != "=" || err != nil {
						return aip.FilterError(name + ` supports only = with a resource name, e.g. ` + name + ` = "` + pt.String() + `"`)
					}
					id := n.ID(variable)
					if n.ID("tenant") != tenant {
						id = uuid.Nil // another school's: matches nothing
					}
					return aip.SetOnce(f, t, dst, uuid.NullUUID{UUID: id, Valid: true})
				}}
			}
			err := aip.ApplyFilter(req.GetFilter(), ref("term", termPattern, "term", &p.TermID),
				ref("teacher", teacherPattern, "teacher", &p.TeacherID), ref("room", roomPattern, "room", &p.RoomID))
			if err != nil {
				return nil, err
			}
			rows, err := q.ListClasses(ctx, p)
			out := make([]classRow, len(rows))
			for i, r := range rows {
				out[i] = classRow(r)
			}
			return out, err
		}, req.GetFilter())
	return &bookingv1.ListClassesResponse{Classes: page, NextPageToken: next}, err // the page is nil on error
}

// UpdateClass changes a class. A change of its teacher, room, day, time or
// length moves its sessions that have not started, in the same
// transaction (SLOT_TAKEN when the new slot clashes); a larger capacity
// promotes from the waitlist; a capacity below the enrolled count is
// refused by the database.
func (s *TermServer) UpdateClass(ctx context.Context, req *bookingv1.UpdateClassRequest) (*bookingv1.Class, error) {
	in := req.GetClass()
	return classes.Update(ctx, s.db, req, func(q txQueries, cur classRow, mask aip.Mask) (classRow, error) {
		c := cur.BookingClass
		if mask.Has("term") && in.GetTerm() != termPattern.Format(c.TenantID, c.TermID) {
			return cur, apierror.InvalidField("class.term", "cannot change: a class belongs to its term")
		}
		if err := classChange(&c, in, mask); err != nil {
			return cur, err
		}
		row, err := q.UpdateClass(ctx, store.UpdateClassParams{TenantID: c.TenantID, ClassID: c.ClassID, DisplayName: c.DisplayName,
			InstrumentID: c.InstrumentID, TeacherID: c.TeacherID, RoomID: c.RoomID, Weekday: c.Weekday, StartTime: c.StartTime,
			GroupMinutes: c.GroupMinutes, IndividualMinutes: c.IndividualMinutes, Capacity: c.Capacity})
		if err != nil {
			return cur, err
		}
		old := cur.BookingClass
		if old.TeacherID != row.TeacherID || old.RoomID != row.RoomID || old.Weekday != row.Weekday ||
			old.StartTime != row.StartTime || old.GroupMinutes != row.GroupMinutes {
			term, err := q.ShareTerm(ctx, store.ShareTermParams{TenantID: row.TenantID, TermID: row.TermID})
			if err != nil {
				return cur, err
			}
			if err := retimeClass(ctx, q, row, term); err != nil {
				return cur, err
			}
		}
		if row.Capacity > old.Capacity {
			if err := fillPlaces(ctx, q, row.TenantID, row.ClassID); err != nil {
				return cur, err
			}
		}
		return q.GetClass(ctx, store.GetClassParams{TenantID: row.TenantID, ClassID: row.ClassID})
	})
}

// DeleteClass refuses a class with students enrolled or waitlisted, with
// bookings, or whose sessions owe make-up credits (CLASS_IN_USE); otherwise
// its sessions go with it.
func (s *TermServer) DeleteClass(ctx context.Context, req *bookingv1.DeleteClassRequest) (*emptypb.Empty, error) {
	return classes.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q txQueries, cur classRow) error {
		c := cur.BookingClass
		inUse, err := q.ClassInUse(ctx, store.ClassInUseParams{TenantID: c.TenantID, ClassID: c.ClassID})
		if err != nil {
			return err
		}
		if inUse {
			return apierror.FailedPrecondition(bookingv1.ErrorReason_ERROR_REASON_CLASS_IN_USE,
				req.GetName()+" has students enrolled or waitlisted, bookings, or sessions with a history (make-up credits, audit events); withdraw the students first")
		}
		if err := q.DeleteClassWithdrawn(ctx, store.DeleteClassWithdrawnParams{TenantID: c.TenantID, ClassID: c.ClassID}); err != nil {
			return err
		}
		if err := q.DeleteClassSessions(ctx, store.DeleteClassSessionsParams{TenantID: c.TenantID, ClassID: c.ClassID}); err != nil {
			return err
		}
		return q.DeleteClass(ctx, store.DeleteClassParams{TenantID: c.TenantID, ClassID: c.ClassID})
	})
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
