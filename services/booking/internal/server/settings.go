package server

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	"steward.dev/platform/aip"
	"steward.dev/platform/resname"
	"steward.dev/services/booking/internal/store"
)

// schoolSettings is a singleton (AIP-156): Get and Update only, and a
// school that never changed its settings has the defaults.
var schoolSettings = aip.Resource[*store.Queries, store.BookingSetting, *bookingv1.SchoolSettings]{
	Pattern: settingsPattern, Parent: tenantPattern, Queries: queries,
	Read: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingSetting, error) {
		row, err := q.GetSettings(ctx, n.ID("tenant"))
		if errors.Is(err, pgx.ErrNoRows) {
			return defaultSettings(n), nil
		}
		return row, err
	},
	Lock: func(ctx context.Context, q *store.Queries, n resname.Name) (store.BookingSetting, error) {
		return q.LockSettings(ctx, n.ID("tenant"))
	},
	Revision: func(s store.BookingSetting) int64 { return s.Revision },
	Mutable:  []string{"time_zone", "currency_code", "reschedule_notice_hours"},
	Required: []string{"time_zone", "currency_code"},
	Proto:    settingsToProto,
}

// defaultSettings are the column defaults of booking.settings, at the
// revision LockSettings writes them with, so an etag read before the first
// update still matches.
func defaultSettings(n resname.Name) store.BookingSetting {
	return store.BookingSetting{TenantID: n.ID("tenant"), TimeZone: "UTC", CurrencyCode: "USD", RescheduleNoticeHours: 24, Revision: 1}
}

func settingsToProto(s store.BookingSetting, _ resname.Name) *bookingv1.SchoolSettings {
	out := &bookingv1.SchoolSettings{
		Name: settingsPattern.Format(s.TenantID), TimeZone: s.TimeZone, CurrencyCode: s.CurrencyCode,
		RescheduleNoticeHours: s.RescheduleNoticeHours, Etag: aip.Etag(s.Revision),
	}
	if !s.UpdateTime.IsZero() {
		out.UpdateTime = timestamppb.New(s.UpdateTime)
	}
	return out
}

func (s *Server) GetSchoolSettings(ctx context.Context, req *bookingv1.GetSchoolSettingsRequest) (*bookingv1.SchoolSettings, error) {
	return schoolSettings.Get(ctx, s.db, "name", req.GetName())
}

func (s *Server) UpdateSchoolSettings(ctx context.Context, req *bookingv1.UpdateSchoolSettingsRequest) (*bookingv1.SchoolSettings, error) {
	in := req.GetSettings()
	return schoolSettings.Update(ctx, s.db, req, func(q *store.Queries, cur store.BookingSetting, mask aip.Mask) (store.BookingSetting, error) {
		next := store.UpdateSettingsParams{TenantID: cur.TenantID, TimeZone: cur.TimeZone, CurrencyCode: cur.CurrencyCode,
			RescheduleNoticeHours: cur.RescheduleNoticeHours}
		if mask.Has("time_zone") {
			if err := aip.CheckTimeZone("settings.time_zone", in.GetTimeZone()); err != nil {
				return cur, err
			}
			next.TimeZone = in.GetTimeZone()
		}
		take(mask, "currency_code", &next.CurrencyCode, in.GetCurrencyCode()) // ISO 4217 by the contract's pattern
		take(mask, "reschedule_notice_hours", &next.RescheduleNoticeHours, in.GetRescheduleNoticeHours())
		return q.UpdateSettings(ctx, next)
	})
}
