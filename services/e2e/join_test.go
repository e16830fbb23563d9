package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"steward.dev/db/seed"
	"steward.dev/platform/grpcserver"
)

// The joining flow through the gateway, with the development issuer: people
// who log in with the password grant, the tokens the issuer really signs
// (email, email_verified), and the HTTP routes a browser calls.

// newLogin adds a person to the development issuer (devidp.users) with the
// seeded password, and no Steward account: their first request creates it.
func (s *stack) newLogin(t *testing.T, who string, verified bool) string {
	t.Helper()
	email := fmt.Sprintf("%s-%s@join.example", who, uuid.NewString()[:8])
	hash, err := bcrypt.GenerateFromPassword([]byte(seed.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.bypassPool(t).Exec(t.Context(), `INSERT INTO devidp.users (subject, email, display_name, password_hash, email_verified)
		VALUES ($1, $2, $3, $4, $5)`, uuid.NewString(), email, "Join "+who, string(hash), verified); err != nil {
		t.Fatal(err)
	}
	return email
}

// joinAPI is one person's view of the gateway.
type joinAPI struct {
	t     *testing.T
	s     *stack
	token string
}

func (s *stack) api(t *testing.T, email string) joinAPI {
	return joinAPI{t: t, s: s, token: s.token(t, email)}
}

// do calls the gateway and returns the status and the decoded JSON body.
func (a joinAPI) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	var out map[string]any
	code := a.s.httpDo(a.t, method, path, a.token, body, &out)
	return code, out
}

func reasonOf(body map[string]any) string {
	details, _ := body["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok {
				return r
			}
		}
	}
	return ""
}

func str(body map[string]any, key string) string { v, _ := body[key].(string); return v }

// invite creates an invitation as a; body is the invitation's JSON.
func (a joinAPI) invite(tenant, body string) string {
	a.t.Helper()
	code, inv := a.do(http.MethodPost, "/v1/"+tenant+"/invitations?requestId="+uuid.NewString(), body)
	if code != http.StatusOK || str(inv, "name") == "" {
		a.t.Fatalf("invite: %d %v", code, inv)
	}
	return str(inv, "name")
}

// TestJoinThroughTheGateway: sign up → invite → accept → act → removed →
// refused, and the membership cache's bound on how long a removed member
// keeps access.
func TestJoinThroughTheGateway(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	founder := s.api(t, s.newLogin(t, "founder", true))
	teacherEmail := s.newLogin(t, "teacher", true)
	teacher := s.api(t, teacherEmail)

	// Sign up: the founder's first request creates their account; the
	// school makes them its ADMIN.
	code, school := founder.do(http.MethodPost, "/v1/tenants?requestId="+uuid.NewString(), `{"displayName": "Join Academy", "kind": "KIND_SCHOOL"}`)
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(school["roles"]), "ROLE_ADMIN") {
		t.Fatalf("sign up: %d %v", code, school)
	}
	tenant := str(school, "name")

	// Before joining, the teacher belongs nowhere. (Not asked of the school
	// itself: a non-member's refusal is cached like a membership, so access
	// would start up to the cache's lifetime after accepting.)
	if code, got := teacher.do(http.MethodGet, "/v1/tenants", ""); code != http.StatusOK || strings.Contains(fmt.Sprint(got["tenants"]), "tenants/") {
		t.Fatalf("the teacher's tenants before joining: %d %v; want none", code, got)
	}

	// Invite → accept (the invited address in another case: emails match ignoring case).
	inv := founder.invite(tenant, fmt.Sprintf(`{"email": %q, "roles": ["ROLE_TEACHER"]}`, strings.ToUpper(teacherEmail)))
	code, member := teacher.do(http.MethodPost, "/v1/"+inv+":accept", `{}`)
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(member["roles"]), "ROLE_TEACHER") || str(member, "email") != teacherEmail {
		t.Fatalf("accept: %d %v", code, member)
	}
	if code, again := teacher.do(http.MethodPost, "/v1/"+inv+":accept", `{}`); code != http.StatusOK || str(again, "etag") != str(member, "etag") {
		t.Errorf("accepting again: %d %v; want the same member", code, again)
	}

	// Act: the teacher reads the school and its homes (assets.read), in two services.
	if code, got := teacher.do(http.MethodGet, "/v1/"+tenant, ""); code != http.StatusOK || !strings.Contains(fmt.Sprint(got["roles"]), "ROLE_TEACHER") {
		t.Fatalf("GET the school as its teacher: %d %v", code, got)
	}
	if code, got := teacher.do(http.MethodGet, "/v1/"+tenant+"/homes", ""); code != http.StatusOK {
		t.Fatalf("list the school's homes as its teacher: %d %v", code, got)
	}
	// The founder sees the teacher among the members, by role.
	code, list := founder.do(http.MethodGet, "/v1/"+tenant+"/members?filter="+strings.ReplaceAll("role = TEACHER", " ", "%20"), "")
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(list["members"]), str(member, "name")) {
		t.Fatalf("list teachers: %d %v", code, list)
	}
	// The last ADMIN can neither leave nor be demoted.
	_, all := founder.do(http.MethodGet, "/v1/"+tenant+"/members", "")
	founderMember := firstOther(all, str(member, "name"))
	if code, body := founder.do(http.MethodDelete, "/v1/"+founderMember, ""); code != http.StatusBadRequest || reasonOf(body) != "LAST_MANAGER" {
		t.Errorf("the last ADMIN leaves: %d %v; want 400 LAST_MANAGER", code, body)
	}

	// Removed → refused: within the membership cache's lifetime at most.
	if code, body := founder.do(http.MethodDelete, "/v1/"+str(member, "name"), ""); code != http.StatusOK {
		t.Fatalf("remove the teacher: %d %v", code, body)
	}
	removed := time.Now()
	bound := grpcserver.DefaultMembershipTTL + time.Second
	for {
		code, _ := teacher.do(http.MethodGet, "/v1/"+tenant+"/homes", "")
		if code == http.StatusNotFound {
			t.Logf("the removed teacher was refused %v after the removal (bound %v)", time.Since(removed).Round(time.Millisecond), grpcserver.DefaultMembershipTTL)
			break
		}
		if code != http.StatusOK {
			t.Fatalf("the removed teacher got %d; want 200 (still cached) or 404", code)
		}
		if time.Since(removed) > bound {
			t.Fatalf("the removed teacher still has access %v after the removal; the bound is %v", time.Since(removed), grpcserver.DefaultMembershipTTL)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if code, _ := teacher.do(http.MethodGet, "/v1/"+tenant, ""); code != http.StatusNotFound {
		t.Errorf("GET the school after removal: %d; want 404", code)
	}
}

// firstOther returns the name of a member in list other than name.
func firstOther(list map[string]any, name string) string {
	members, _ := list["members"].([]any)
	for _, m := range members {
		if mm, ok := m.(map[string]any); ok && str(mm, "name") != name {
			return str(mm, "name")
		}
	}
	return ""
}

// TestInvitationRefusalsThroughTheGateway: an invitation cannot be accepted
// by a token whose email differs or is unverified, nor after it expired or
// was revoked; each refusal names its declared reason.
func TestInvitationRefusalsThroughTheGateway(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	founder := s.api(t, s.newLogin(t, "founder", true))
	code, school := founder.do(http.MethodPost, "/v1/tenants", `{"displayName": "Refusal School", "kind": "KIND_SCHOOL"}`)
	if code != http.StatusOK {
		t.Fatalf("sign up: %d %v", code, school)
	}
	tenant := str(school, "name")
	invitedEmail := s.newLogin(t, "invited", true)
	invited := s.api(t, invitedEmail)

	accept := func(who joinAPI, inv string) (int, string) {
		t.Helper()
		code, body := who.do(http.MethodPost, "/v1/"+inv+":accept", `{}`)
		return code, reasonOf(body)
	}
	check := func(what string, code int, reason string, wantCode int, wantReason string) {
		t.Helper()
		if code != wantCode || reason != wantReason {
			t.Errorf("%s: %d %s; want %d %s", what, code, reason, wantCode, wantReason)
		}
	}

	// Another email, verified.
	inv := founder.invite(tenant, fmt.Sprintf(`{"email": %q, "roles": ["ROLE_TEACHER"]}`, invitedEmail))
	other := s.api(t, s.newLogin(t, "other", true))
	code, reason := accept(other, inv)
	check("another email", code, reason, http.StatusForbidden, "INVITATION_EMAIL_MISMATCH")

	// The invited email, unverified: the seeded unverified login.
	unverifiedInv := founder.invite(tenant, fmt.Sprintf(`{"email": %q, "roles": ["ROLE_PARENT"]}`, seed.UnverifiedEmail))
	code, reason = accept(s.api(t, seed.UnverifiedEmail), unverifiedInv)
	check("unverified email", code, reason, http.StatusForbidden, "EMAIL_NOT_VERIFIED")

	// Revoked.
	if code, body := founder.do(http.MethodDelete, "/v1/"+inv, ""); code != http.StatusOK {
		t.Fatalf("revoke: %d %v", code, body)
	}
	code, reason = accept(invited, inv)
	check("revoked", code, reason, http.StatusBadRequest, "INVITATION_REVOKED")
	if code, got := founder.do(http.MethodGet, "/v1/"+inv, ""); code != http.StatusOK || str(got, "state") != "STATE_REVOKED" {
		t.Errorf("the revoked invitation: %d %v", code, got)
	}

	// Expired.
	expire := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	short := founder.invite(tenant, fmt.Sprintf(`{"email": %q, "roles": ["ROLE_TEACHER"], "expireTime": %q}`, invitedEmail, expire))
	time.Sleep(1500 * time.Millisecond)
	code, reason = accept(invited, short)
	check("expired", code, reason, http.StatusBadRequest, "INVITATION_EXPIRED")

	// None of these made the invited person a member.
	if code, _ := invited.do(http.MethodGet, "/v1/"+tenant, ""); code != http.StatusNotFound {
		t.Errorf("GET the school after the refusals: %d; want 404", code)
	}
	// A name that is no invitation is 404, like another tenant's.
	code, reason = accept(invited, tenant+"/invitations/"+uuid.NewString())
	check("no such invitation", code, reason, http.StatusNotFound, "RESOURCE_NOT_FOUND")
}
