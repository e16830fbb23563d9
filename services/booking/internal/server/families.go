package server

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

// families reach only the rows the caller's viewer sees: Read with what a
// reader sees, Lock (Update, Delete) with what a writer does.
var families = aip.Resource[*store.Queries, store.BookingFamily, *bookingv1.Family]{
	Pattern: familyPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingFamily, error) {
		v := viewerOf(ctx, false)
		return q.GetFamily(ctx, store.GetFamilyParams{TenantID: n.ID("tenant"), FamilyID: n.ID("family"), ViewerAll: v.all, ViewerFamily: v.family})
	},
	Lock:        lockFamily,
	Revision:    func(r store.BookingFamily) int64 { return r.Revision },
	Fingerprint: func(r store.BookingFamily) []byte { return r.RequestFingerprint },
	ByRequestID: func(ctx context.Context, q *store.Queries, p resname.Name, rid uuid.NullUUID) (store.BookingFamily, error) {
		return q.FamilyCreatedBy(ctx, store.FamilyCreatedByParams{TenantID: p.ID("tenant"), RequestID: rid})
	},
	Mutable:  []string{"display_name", "billing_contact", "address"},
	Required: []string{"display_name"},
	Proto:    familyToProto,
}

// lockFamily locks a family the caller may change: NOT_FOUND (no row) for
// a PARENT's other family, as for another tenant's.
func lockFamily(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingFamily, error) {
	v := viewerOf(ctx, true)
	return q.LockFamily(ctx, store.LockFamilyParams{TenantID: n.ID("tenant"), FamilyID: n.ID("family"), ViewerAll: v.all, ViewerFamily: v.family})
}

func familyToProto(r store.BookingFamily, _ resname.Name) *bookingv1.Family {
	return &bookingv1.Family{
		Name: familyPattern.Format(r.TenantID, r.FamilyID), DisplayName: r.DisplayName,
		BillingContact: &bookingv1.BillingContact{DisplayName: r.BillingName, Email: r.BillingEmail, Phone: r.BillingPhone},
		Address: &bookingv1.MailingAddress{Lines: r.AddressLines, Locality: r.Locality, AdministrativeArea: r.AdministrativeArea,
			PostalCode: r.PostalCode, RegionCode: r.RegionCode},
		CreateTime: timestamppb.New(r.CreateTime), UpdateTime: timestamppb.New(r.UpdateTime), Etag: aip.Etag(r.Revision),
	}
}

// familyColumns are a family's columns a client sets, taken from a message
// by the mask: a sub-path ("address.locality", "billing_contact.email")
// changes only that column, the field alone all of its columns.
type familyColumns struct{ p store.UpdateFamilyParams }

func (c *familyColumns) apply(in *bookingv1.Family, mask aip.Mask) {
	take(mask, "display_name", &c.p.DisplayName, in.GetDisplayName())
	b, a := in.GetBillingContact(), in.GetAddress()
	if wants(mask, "address", "lines") {
		c.p.AddressLines = append([]string{}, a.GetLines()...) // never NULL
	}
	for _, col := range []struct {
		field, part string
		dst         *string
		v           string
	}{
		{"billing_contact", "display_name", &c.p.BillingName, b.GetDisplayName()},
		{"billing_contact", "email", &c.p.BillingEmail, b.GetEmail()},
		{"billing_contact", "phone", &c.p.BillingPhone, b.GetPhone()},
		{"address", "locality", &c.p.Locality, a.GetLocality()},
		{"address", "administrative_area", &c.p.AdministrativeArea, a.GetAdministrativeArea()},
		{"address", "postal_code", &c.p.PostalCode, a.GetPostalCode()},
		{"address", "region_code", &c.p.RegionCode, a.GetRegionCode()},
	} {
		if wants(mask, col.field, col.part) {
			*col.dst = col.v
		}
	}
}

// wants reports whether mask changes part of field: the field whole, or
// that sub-path of it.
func wants(mask aip.Mask, field, part string) bool {
	sub, ok := mask[field]
	return ok && (sub == nil || slices.Contains(sub, part))
}

func (s *Server) CreateFamily(ctx context.Context, req *bookingv1.CreateFamilyRequest) (*bookingv1.Family, error) {
	var c familyColumns
	c.apply(req.GetFamily(), aip.AllFields(families.Mutable...))
	return families.Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *store.Queries, p resname.Name, key aip.Idempotency) (store.BookingFamily, error) {
		return q.CreateFamily(ctx, store.CreateFamilyParams{TenantID: p.ID("tenant"), FamilyID: uuid.Must(uuid.NewV7()),
			DisplayName: c.p.DisplayName, BillingName: c.p.BillingName, BillingEmail: c.p.BillingEmail, BillingPhone: c.p.BillingPhone,
			AddressLines: c.p.AddressLines, Locality: c.p.Locality, AdministrativeArea: c.p.AdministrativeArea,
			PostalCode: c.p.PostalCode, RegionCode: c.p.RegionCode, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint})
	})
}

func (s *Server) GetFamily(ctx context.Context, req *bookingv1.GetFamilyRequest) (*bookingv1.Family, error) {
	return families.Get(ctx, s.db, "name", req.GetName())
}

// ListFamilies lists what the caller's viewer sees: every family, or a
// PARENT's own (a page of one), or none (a STUDENT).
func (s *Server) ListFamilies(ctx context.Context, req *bookingv1.ListFamiliesRequest) (*bookingv1.ListFamiliesResponse, error) {
	v := viewerOf(ctx, false)
	page, next, err := families.List(ctx, s.db, req, func(r store.BookingFamily) uuid.UUID { return r.FamilyID },
		func(q *store.Queries, pg aip.Page) ([]store.BookingFamily, error) {
			return q.ListFamilies(ctx, store.ListFamiliesParams{TenantID: pg.Parent.ID("tenant"), AfterID: pg.After, PageLimit: pg.Limit,
				ViewerAll: v.all, ViewerFamily: v.family})
		})
	return &bookingv1.ListFamiliesResponse{Families: page, NextPageToken: next}, err // the page is nil on error
}

func (s *Server) UpdateFamily(ctx context.Context, req *bookingv1.UpdateFamilyRequest) (*bookingv1.Family, error) {
	return families.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingFamily, mask aip.Mask) (store.BookingFamily, error) {
		c := familyColumns{p: store.UpdateFamilyParams{TenantID: cur.TenantID, FamilyID: cur.FamilyID, DisplayName: cur.DisplayName,
			BillingName: cur.BillingName, BillingEmail: cur.BillingEmail, BillingPhone: cur.BillingPhone, AddressLines: cur.AddressLines,
			Locality: cur.Locality, AdministrativeArea: cur.AdministrativeArea, PostalCode: cur.PostalCode, RegionCode: cur.RegionCode}}
		c.apply(req.GetFamily(), mask)
		return q.UpdateFamily(ctx, c.p)
	})
}

// DeleteFamily refuses a family with students: their foreign key says so
// (FAMILY_NOT_EMPTY, in Constraints).
func (s *Server) DeleteFamily(ctx context.Context, req *bookingv1.DeleteFamilyRequest) (*emptypb.Empty, error) {
	return families.Delete(ctx, s.db, "name", req.GetName(), req.GetEtag(), func(q *store.Queries, cur store.BookingFamily) error {
		return q.DeleteFamily(ctx, store.DeleteFamilyParams{TenantID: cur.TenantID, FamilyID: cur.FamilyID})
	})
}
