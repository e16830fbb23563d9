package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	"steward.dev/platform/accountsstore"
	"steward.dev/platform/aip"
	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
	"steward.dev/platform/tenantdb"
)

// How long an invitation may be accepted: DefaultInvitationTTL unless the
// inviter sets expire_time, at most MaxInvitationTTL ahead (the contract
// says so too).
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	MaxInvitationTTL     = 30 * 24 * time.Hour
)

type invitation = accountsstore.AccountsInvitation

func (s *Server) invitations() aip.Resource[*accountsstore.Queries, invitation, *accountsv1.Invitation] {
	return aip.Resource[*accountsstore.Queries, invitation, *accountsv1.Invitation]{
		Pattern: invitationPattern,
		Parent:  tenantPattern,
		Queries: queries,
		Read: func(ctx context.Context, q *accountsstore.Queries, n resname.Name) (invitation, error) {
			return q.GetInvitation(ctx, accountsstore.GetInvitationParams{TenantID: n.ID("tenant"), InvitationID: n.ID("invitation")})
		},
		Lock: func(ctx context.Context, q *accountsstore.Queries, n resname.Name) (invitation, error) {
			return q.GetInvitationForUpdate(ctx, accountsstore.GetInvitationForUpdateParams{TenantID: n.ID("tenant"), InvitationID: n.ID("invitation")})
		},
		Revision: func(i invitation) int64 { return i.Revision },
		ByRequestID: func(ctx context.Context, q *accountsstore.Queries, parent resname.Name, rid uuid.NullUUID) (invitation, error) {
			return q.GetInvitationByRequestID(ctx, accountsstore.GetInvitationByRequestIDParams{TenantID: parent.ID("tenant"), RequestID: rid})
		},
		Fingerprint: func(i invitation) []byte { return i.RequestFingerprint },
		Proto:       func(i invitation, _ resname.Name) *accountsv1.Invitation { return invitationToProto(i, s.now()) },
	}
}

func invitationToProto(i invitation, now time.Time) *accountsv1.Invitation {
	out := &accountsv1.Invitation{
		Name:       invitationPattern.Format(i.TenantID, i.InvitationID),
		Email:      i.Email,
		Family:     familyName(i.TenantID, i.FamilyID),
		Student:    studentName(i.TenantID, i.FamilyID, i.StudentID),
		State:      invitationState(i, now),
		Inviter:    memberPattern.Format(i.TenantID, i.InviterUserID),
		CreateTime: timestamppb.New(i.CreateTime),
		ExpireTime: timestamppb.New(i.ExpireTime),
		AcceptTime: timestampOrNil(i.AcceptTime),
		RevokeTime: timestampOrNil(i.RevokeTime),
		Etag:       aip.Etag(i.Revision),
	}
	if i.AcceptedUserID.Valid {
		out.Member = memberPattern.Format(i.TenantID, i.AcceptedUserID.UUID)
	}
	for _, r := range i.Roles {
		out.Roles = append(out.Roles, roles.FromDB(r))
	}
	return out
}

func invitationState(i invitation, now time.Time) accountsv1.Invitation_State {
	switch {
	case i.AcceptTime.Valid:
		return accountsv1.Invitation_STATE_ACCEPTED
	case i.RevokeTime.Valid:
		return accountsv1.Invitation_STATE_REVOKED
	case !now.Before(i.ExpireTime):
		return accountsv1.Invitation_STATE_EXPIRED
	}
	return accountsv1.Invitation_STATE_PENDING
}

func timestampOrNil(t pgtype.Timestamptz) *timestamppb.Timestamp {
	if !t.Valid {
		return nil
	}
	return timestamppb.New(t.Time)
}

// CreateInvitation invites an email address with roles of the tenant's
// kind, and the family or student a PARENT or STUDENT acts for (AIP-133,
// request_id idempotent).
func (s Members) CreateInvitation(ctx context.Context, req *accountsv1.CreateInvitationRequest) (*accountsv1.Invitation, error) {
	t, _ := scope.TenantFrom(ctx)
	caller, _ := scope.CallerFrom(ctx)
	in := req.GetInvitation() // email and roles presence: checked by the contract
	stored, err := storedRoles("invitation.roles", t.Kind, in.GetRoles())
	if err != nil {
		return nil, err
	}
	family, _, err := relation("invitation.family", in.GetFamily(), t.TenantID, 4)
	if err != nil {
		return nil, err
	}
	if in.GetStudent() != "" {
		var sFamily uuid.NullUUID
		sFamily, student, err := relation("invitation.student", in.GetStudent(), t.TenantID, 6)
		if err != nil {
			return nil, err
		}
		if family.Valid && family != sFamily {
			return nil, apierror.InvalidField("invitation.family", "must be the student's family")
		}
		return s.createInvitation(ctx, req, caller.UserID, stored, sFamily, student)
	}
	return s.createInvitation(ctx, req, caller.UserID, stored, family, uuid.NullUUID{})
}

func (s Members) createInvitation(ctx context.Context, req *accountsv1.CreateInvitationRequest, inviter uuid.UUID, stored []string, family, student uuid.NullUUID) (*accountsv1.Invitation, error) {
	now := s.now()
	expire := now.Add(DefaultInvitationTTL)
	if e := req.GetInvitation().GetExpireTime(); e != nil {
		expire = e.AsTime()
		if !expire.After(now) || expire.After(now.Add(MaxInvitationTTL)) {
			return nil, apierror.InvalidField("invitation.expire_time", "must be in the future and at most 30 days ahead")
		}
	}
	return s.invitations().Create(ctx, s.db, req, "parent", req.GetParent(), func(ctx context.Context, q *accountsstore.Queries, parent resname.Name, key aip.Idempotency) (invitation, error) {
		return q.CreateInvitation(ctx, accountsstore.CreateInvitationParams{
			TenantID: parent.ID("tenant"), InvitationID: uuid.New(), // v4: the name is what the invited person holds; not guessable
			Email: req.GetInvitation().GetEmail(), Roles: stored, FamilyID: family, StudentID: student,
			InviterUserID: inviter, ExpireTime: expire, RequestID: key.RequestID, RequestFingerprint: key.Fingerprint,
		})
	})
}

func (s Members) GetInvitation(ctx context.Context, req *accountsv1.GetInvitationRequest) (*accountsv1.Invitation, error) {
	return s.invitations().Get(ctx, s.db, "name", req.GetName())
}

func (s Members) ListInvitations(ctx context.Context, req *accountsv1.ListInvitationsRequest) (*accountsv1.ListInvitationsResponse, error) {
	page, next, err := s.invitations().List(ctx, s.db, req, func(i invitation) uuid.UUID { return i.InvitationID }, func(q *accountsstore.Queries, p aip.Page) ([]invitation, error) {
		return q.ListInvitations(ctx, accountsstore.ListInvitationsParams{TenantID: p.Parent.ID("tenant"), AfterID: p.After, PageLimit: p.Limit})
	})
	if err != nil {
		return nil, err
	}
	return &accountsv1.ListInvitationsResponse{Invitations: page, NextPageToken: next}, nil
}

// DeleteInvitation revokes a pending invitation; the row stays, so that
// accepting it says it was revoked. An accepted or revoked one is left as
// it is.
func (s Members) DeleteInvitation(ctx context.Context, req *accountsv1.DeleteInvitationRequest) (*emptypb.Empty, error) {
	return s.invitations().Delete(ctx, s.db, "name", req.GetName(), "", func(q *accountsstore.Queries, cur invitation) error {
		if cur.AcceptTime.Valid || cur.RevokeTime.Valid {
			return nil
		}
		_, err := q.RevokeInvitation(ctx, accountsstore.RevokeInvitationParams{TenantID: cur.TenantID, InvitationID: cur.InvitationID})
		return err
	})
}

// AcceptInvitation makes the caller a member with the invitation's roles.
// The caller is not a member yet, so the RPC is not tenant-scoped by the
// platform: the invitation's name is the only way in, and the answers tell
// nothing about the tenant or its other invitations. An unverified email
// is refused before anything is looked up; a missing invitation is
// NOT_FOUND; one for another email says only that (no state, no tenant).
func (s Members) AcceptInvitation(ctx context.Context, req *accountsv1.AcceptInvitationRequest) (*accountsv1.Member, error) {
	caller, _ := scope.CallerFrom(ctx)
	if caller.Kind != scope.KindUser || caller.UserID == uuid.Nil {
		return nil, apierror.PermissionDenied("only a signed-in person may accept an invitation")
	}
	if !caller.EmailVerified {
		return nil, &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.Reason(accountsv1.ErrorReason_ERROR_REASON_EMAIL_NOT_VERIFIED),
			Message: "your identity provider has not verified your email address (email_verified); verify it and sign in again"}
	}
	n, err := invitationPattern.Parse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	tenant := n.ID("tenant")
	var out *accountsv1.Member
	// The invitation's tenant is the scope of its rows; nothing else of the
	// tenant is read.
	err = s.db.InTx(scope.WithTenant(ctx, scope.Tenant{TenantID: tenant}), func(tx tenantdb.DBTX) error {
		q := accountsstore.New(tx)
		inv, err := q.GetInvitationForUpdate(ctx, accountsstore.GetInvitationForUpdateParams{TenantID: tenant, InvitationID: n.ID("invitation")})
		if errors.Is(err, pgx.ErrNoRows) {
			return apierror.NotFound(req.GetName())
		}
		if err != nil {
			return err
		}
		if !strings.EqualFold(inv.Email, caller.Email) {
			return &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.Reason(accountsv1.ErrorReason_ERROR_REASON_INVITATION_EMAIL_MISMATCH),
				Message: "this invitation is for another email address than your token's"}
		}
		switch {
		case inv.AcceptTime.Valid:
			if inv.AcceptedUserID.UUID != caller.UserID {
				return apierror.FailedPrecondition(accountsv1.ErrorReason_ERROR_REASON_INVITATION_ALREADY_ACCEPTED, "the invitation was accepted by another account")
			}
		case inv.RevokeTime.Valid:
			return apierror.FailedPrecondition(accountsv1.ErrorReason_ERROR_REASON_INVITATION_REVOKED, "the invitation was revoked")
		case !s.now().Before(inv.ExpireTime):
			return apierror.FailedPrecondition(accountsv1.ErrorReason_ERROR_REASON_INVITATION_EXPIRED, "the invitation expired; ask for a new one")
		default:
			if err := q.CreateMembershipOrAddRoles(ctx, accountsstore.CreateMembershipOrAddRolesParams{
				TenantID: tenant, UserID: caller.UserID, Roles: inv.Roles, FamilyID: inv.FamilyID, StudentID: inv.StudentID,
			}); err != nil {
				return err
			}
			if _, err := q.MarkInvitationAccepted(ctx, accountsstore.MarkInvitationAcceptedParams{
				TenantID: tenant, InvitationID: inv.InvitationID, AcceptedUserID: uuid.NullUUID{UUID: caller.UserID, Valid: true},
			}); err != nil {
				return err
			}
		}
		m, err := q.GetMember(ctx, accountsstore.GetMemberParams{TenantID: tenant, UserID: caller.UserID})
		if errors.Is(err, pgx.ErrNoRows) { // accepted once, removed since: the invitation is spent
			return apierror.FailedPrecondition(accountsv1.ErrorReason_ERROR_REASON_INVITATION_ALREADY_ACCEPTED, "the invitation was already used")
		}
		if err != nil {
			return err
		}
		out = memberToProto(m, n)
		return nil
	})
	return out, err
}
