package server

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	"steward.dev/platform/apierror"
	"steward.dev/platform/pagetoken"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

// ListAssetChanges reads the tenant's change feed after the cursor in
// page_token (db/migrations/assets/00003_change_feed.sql says why its
// positions are in commit order). Unlike a List, the token never runs out:
// the feed has no last page, only one with nothing new yet.
func (s *Server) ListAssetChanges(ctx context.Context, req *assetsv1.ListAssetChangesRequest) (*assetsv1.ListAssetChangesResponse, error) {
	parent, err := tenantPattern.Parse("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := decodeChangeCursor(req.GetPageToken(), req.GetParent())
	if err != nil {
		return nil, err
	}
	tenantID := parent.ID("tenant")
	q := store.New(s.db.Scoped(ctx))
	changes, err := q.ListChanges(ctx, store.ListChangesParams{TenantID: tenantID, AfterSeq: after, PageLimit: pagetoken.Size(req.GetPageSize())})
	if err != nil {
		return nil, err
	}
	current, err := readChanged(ctx, q, tenantID, changes)
	if err != nil {
		return nil, err
	}
	resp := &assetsv1.ListAssetChangesResponse{}
	used := 0
	for _, c := range changes {
		out, ok := current.change(c)
		if ok {
			used += proto.Size(out)
			if used > pagetoken.MaxBytes && len(resp.AssetChanges) > 0 {
				break
			}
			resp.AssetChanges = append(resp.AssetChanges, out)
		}
		// A change left out (its row deleted since) is passed all the same.
		after = c.Seq
	}
	resp.NextPageToken = pagetoken.Encode([]string{strconv.FormatInt(after, 10)}, req.GetParent())
	return resp, nil
}

// decodeChangeCursor returns the position a token resumes after: 0, before
// the first change, for an empty one.
func decodeChangeCursor(token, parent string) (int64, error) {
	key, err := pagetoken.Decode(token, 1, parent)
	if err != nil || key == nil {
		return 0, err
	}
	seq, err := strconv.ParseInt(key[0], 10, 64)
	if err != nil || seq < 0 {
		return 0, apierror.InvalidField("page_token", "malformed page token")
	}
	return seq, nil
}

// changedRows are the current rows a page of changes names, by id.
type changedRows struct {
	homes    map[uuid.UUID]store.AssetsHome
	assets   map[uuid.UUID]store.AssetsAsset
	readings map[uuid.UUID]store.AssetsMeterReading
}

// readChanged reads, in at most one query per kind, the rows that changes
// wrote (deletions name what they deleted and need none).
func readChanged(ctx context.Context, q *store.Queries, tenantID uuid.UUID, changes []store.AssetsChange) (changedRows, error) {
	var homeIDs, assetIDs, readingIDs []uuid.UUID
	for _, c := range changes {
		switch {
		case c.Deleted:
		case c.Kind == "home":
			homeIDs = append(homeIDs, c.HomeID)
		case c.Kind == "asset":
			assetIDs = append(assetIDs, c.AssetID.UUID)
		case c.Kind == "meter_reading":
			readingIDs = append(readingIDs, c.ReadingID.UUID)
		}
	}
	rows := changedRows{homes: map[uuid.UUID]store.AssetsHome{}, assets: map[uuid.UUID]store.AssetsAsset{},
		readings: map[uuid.UUID]store.AssetsMeterReading{}}
	if len(homeIDs) > 0 {
		homes, err := q.ListHomesByID(ctx, store.ListHomesByIDParams{TenantID: tenantID, HomeIds: homeIDs})
		if err != nil {
			return rows, err
		}
		for _, h := range homes {
			rows.homes[h.HomeID] = h
		}
	}
	if len(assetIDs) > 0 {
		assets, err := q.ListAssetsByID(ctx, store.ListAssetsByIDParams{TenantID: tenantID, AssetIds: assetIDs})
		if err != nil {
			return rows, err
		}
		for _, a := range assets {
			rows.assets[a.AssetID] = a
		}
	}
	if len(readingIDs) > 0 {
		readings, err := q.ListMeterReadingsByID(ctx, store.ListMeterReadingsByIDParams{TenantID: tenantID, ReadingIds: readingIDs})
		if err != nil {
			return rows, err
		}
		for _, r := range readings {
			rows.readings[r.ReadingID] = r
		}
	}
	return rows, nil
}

// change is c as the contract has it, or false when the row c wrote has
// been deleted since.
func (rows changedRows) change(c store.AssetsChange) (*assetsv1.AssetChange, bool) {
	out := &assetsv1.AssetChange{Sequence: c.Seq, ChangeTime: timestamppb.New(c.ChangeTime)}
	switch {
	case c.Kind == "home" && c.Deleted:
		out.Change = &assetsv1.AssetChange_DeletedHome{DeletedHome: homePattern.Format(c.TenantID, c.HomeID)}
	case c.Kind == "asset" && c.Deleted:
		out.Change = &assetsv1.AssetChange_DeletedAsset{DeletedAsset: assetPattern.Format(c.TenantID, c.HomeID, c.AssetID.UUID)}
	case c.Kind == "home":
		h, ok := rows.homes[c.HomeID]
		if !ok {
			return nil, false
		}
		out.Change = &assetsv1.AssetChange_Home{Home: homeToProto(h, resname.Name{})}
	case c.Kind == "asset":
		a, ok := rows.assets[c.AssetID.UUID]
		if !ok {
			return nil, false
		}
		out.Change = &assetsv1.AssetChange_Asset{Asset: assetToProto(a, resname.Name{})}
	case c.Kind == "meter_reading":
		r, ok := rows.readings[c.ReadingID.UUID]
		if !ok {
			return nil, false
		}
		out.Change = &assetsv1.AssetChange_MeterReading{MeterReading: readingProto(r, c.HomeID)}
	default:
		return nil, false // the table's CHECK allows no other kind
	}
	return out, true
}
