package server

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

// students are seen through the caller's viewer: a PARENT's family's, a
// STUDENT's own; creating one (CheckParent) needs a family the caller may
// change.
var students = aip.Resource[*store.Queries, store.BookingStudent, *bookingv1.Student]{
	Pattern: studentPattern, Parent: familyPattern, ListParent: &anyFamilyPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingStudent, error) {
		v := viewerOf(ctx, false)
		return q.GetStudent(ctx, store.GetStudentParams{TenantID: n.ID("tenant"), FamilyID: n.ID("family"), StudentID: n.ID("student"),
			ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingStudent, error) {
		v := viewerOf(ctx, true)
		return q.LockStudent(ctx, store.LockStudentParams{TenantID: n.ID("tenant"), FamilyID: n.ID("family"), StudentID: n.ID("student"),
			ViewerAll: v.all, ViewerFamily: v.family})
	},
	CheckParent: func(ctx context.Context, q *store.Queries, parent resname.Name) error {
		_, err := lockFamily(ctx, q, parent)
		return aip.NotFoundAs(err, parent.String())
	},
	ParentExists: func(ctx context.Context, q *store.Queries, parent resname.Name) (bool, error) {
		if parent.IsWildcard("family") {
			return true, nil
		}
		v := viewerOf(ctx, false)
		return q.StudentsParentVisible(ctx, store.StudentsParentVisibleParams{TenantID: parent.ID("tenant"), FamilyID: parent.ID("family"),
			ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student})
	},
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingStudent, error) {
		return q.StudentCreatedBy(ctx, store.StudentCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Revision:    func(r store.BookingStudent) int64 { return r.Revision },
	Fingerprint: func(r store.BookingStudent) []byte { return r.RequestFingerprint },
	Mutable:     []string{"given_name", "family_name", "birth_year", "instruments", "level"},
	Required:    []string{"given_name"},
	Proto: func(r store.BookingStudent, _ resname.Name) *bookingv1.Student {
		return &bookingv1.Student{
			Name: studentPattern.Format(r.TenantID, r.FamilyID, r.StudentID), GivenName: r.GivenName, FamilyName: r.FamilyName,
			BirthYear: r.BirthYear.Int32, Instruments: instrumentNames(r.TenantID, r.InstrumentIds), Level: studentLevels.FromDB(r.Level),
			CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
		}
	},
}

var studentLevels = aip.NewEnum(bookingv1.Student_LEVEL_BEGINNER)

// anyFamilyPattern is a family, or "-" for every family of the school.
var anyFamilyPattern = familyPattern.WithWildcards("family")

// studentChange is the part of a student row a client sets.
type studentChange struct {
	givenName, familyName, level string
	birthYear                    pgtype.Int4
	instruments                  []uuid.UUID
}

func (c *studentChange) apply(ctx context.Context, q *store.Queries, tenant uuid.UUID, in *bookingv1.Student, mask aip.Mask) (err error) {
	take(mask, "given_name", &c.givenName, in.GetGivenName())
	take(mask, "family_name", &c.familyName, in.GetFamilyName())
	if mask.Has("birth_year") {
		c.birthYear = pgtype.Int4{Int32: in.GetBirthYear(), Valid: in.GetBirthYear() >= 1900}
		if y := in.GetBirthYear(); y != 0 && y < 1900 {
			return apierror.InvalidField("student.birth_year", "must be 1900 or later, or 0 for not given")
		}
	}
	take(mask, "level", &c.level, studentLevels.ToDB(in.GetLevel()))
	if mask.Has("instruments") {
		c.instruments, err = instrumentIDs(ctx, q, tenant, "student.instruments", in.GetInstruments())
	}
	return err
}

func (s *Server) CreateStudent(ctx context.Context, req *bookingv1.CreateStudentRequest) (*bookingv1.Student, error) {
	in := req.GetStudent()
	return students.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingStudent, error) {
		var c studentChange
		if err := c.apply(ctx, q, p.ID("tenant"), in, aip.AllFields(students.Mutable...)); err != nil {
			return store.BookingStudent{}, err
		}
		return q.CreateStudent(ctx, store.CreateStudentParams{TenantID: p.ID("tenant"), FamilyID: p.ID("family"), StudentID: uuid.Must(uuid.NewV7()),
			GivenName: c.givenName, FamilyName: c.familyName, BirthYear: c.birthYear, InstrumentIds: c.instruments, Level: c.level,
			RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *Server) GetStudent(ctx context.Context, req *bookingv1.GetStudentRequest) (*bookingv1.Student, error) {
	return students.Get(ctx, s.db, "name", req.GetName())
}

// ListStudents lists a family's students, or every family's, as far as the
// caller's viewer reaches.
func (s *Server) ListStudents(ctx context.Context, req *bookingv1.ListStudentsRequest) (*bookingv1.ListStudentsResponse, error) {
	v := viewerOf(ctx, false)
	page, next, err := students.List(ctx, s.db, req, func(r store.BookingStudent) uuid.UUID { return r.StudentID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingStudent, error) {
			p := store.ListStudentsParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit,
				AnyFamily: pg.Parent.IsWildcard("family"), FamilyID: pg.Parent.ID("family"),
				ViewerAll: v.all, ViewerFamily: v.family, ViewerStudent: v.student}
			err := aip.ApplyFilter(req.GetFilter(), instrumentFilter(p.TenantID, &p.InstrumentID),
				aip.FilterField{Name: "level", Bind: func(f *aip.Filter, t aip.Term) error {
					l, ok := studentLevels.Parse(t.Value)
					if !ok {
						return aip.FilterError("level must be one of " + studentLevels.Names())
					}
					return aip.EqOrNe(f, t, &p.Level, &p.LevelNot, pgtype.Text{String: studentLevels.ToDB(l), Valid: true})
				}})
			if err != nil {
				return nil, err
			}
			return q.ListStudents(ctx, p)
		}, req.GetFilter())
	return &bookingv1.ListStudentsResponse{Students: page, NextPageToken: next}, err // the page is nil on error
}

func (s *Server) UpdateStudent(ctx context.Context, req *bookingv1.UpdateStudentRequest) (*bookingv1.Student, error) {
	return students.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingStudent, mask aip.Mask) (store.BookingStudent, error) {
		c := studentChange{givenName: cur.GivenName, familyName: cur.FamilyName, level: cur.Level, birthYear: cur.BirthYear, instruments: cur.InstrumentIds}
		if err := c.apply(ctx, q, cur.TenantID, req.GetStudent(), mask); err != nil {
			return cur, err
		}
		return q.UpdateStudent(ctx, store.UpdateStudentParams{TenantID: cur.TenantID, StudentID: cur.StudentID,
			GivenName: c.givenName, FamilyName: c.familyName, BirthYear: c.birthYear, InstrumentIds: c.instruments, Level: c.level})
	})
}

func (s *Server) DeleteStudent(ctx context.Context, req *bookingv1.DeleteStudentRequest) (*emptypb.Empty, error) {
	return students.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingStudent) error {
		return q.DeleteStudent(ctx, store.DeleteStudentParams{TenantID: cur.TenantID, StudentID: cur.StudentID})
	})
}
