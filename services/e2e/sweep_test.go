package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	typev1 "steward.dev/gen/go/steward/type/v1"
)

// TestNoClientMistakeIsA5xx sweeps every operation of the merged OpenAPI
// document with malformed requests (broken resource names, bodies of the
// wrong shape or type, out-of-range numbers, unstorable text, garbage query
// parameters, bad credentials, callers of another tenant or with fewer
// roles) and checks that the gateway never answers 5xx: a client's mistake
// is a 4xx with the gateway's JSON error body. The set of requests is fixed
// (no randomness), so a failure reproduces.
func TestNoClientMistakeIsA5xx(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ops := loadSweepOperations(t)
	fx := newSweepFixtures(t, s)
	p := &sweepPlanner{fx: fx, seenTemplate: map[string]bool{}, tokens: map[string]string{
		fx.founder:      s.token(t, fx.founder),
		householdOwner:  s.token(t, householdOwner),
		householdMember: s.token(t, householdMember),
		schoolAdmin:     s.token(t, schoolAdmin),
		schoolTeacher:   s.token(t, schoolTeacher),
	}}
	for _, op := range ops {
		p.plan(t, op)
	}
	r := &sweepRunner{statuses: map[int]int{}, gatewayURL: s.gatewayURL, tokens: p.tokens, client: &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: sweepWorkers},
	}}
	start := time.Now()
	// Phase 0, in order: the owner's well-formed request to each operation
	// (except deletes) must succeed, or the sweep would only prove that
	// everything fails early.
	for _, req := range p.sanity {
		res := r.do(req)
		r.check(req, res)
		if res.status >= 400 && res.status < 500 {
			r.fail(req, res, "the well-formed request did not succeed, so the fixtures are wrong")
		}
	}
	// Phase 1, in parallel: everything that does not delete.
	r.parallel(p.parallel)
	// Phase 2, in order: other callers, then the owner's deletes of
	// resources kept for them, so their outcome does not depend on timing.
	for _, req := range append(p.others, p.deletes...) {
		r.check(req, r.do(req))
	}
	total := len(p.sanity) + len(p.parallel) + len(p.others) + len(p.deletes)
	codes := slices.Sorted(maps.Keys(r.statuses))
	hist := make([]string, 0, len(codes))
	for _, c := range codes {
		hist = append(hist, fmt.Sprintf("%d×%d", c, r.statuses[c]))
	}
	t.Logf("sent %d requests to %d operations in %v; answers by HTTP status: %s",
		total, len(ops), time.Since(start).Round(time.Millisecond), strings.Join(hist, " "))
	r.report(t)
}

const (
	sweepWorkers = 4
	// sweepRequestID is among the requestId values of every create, so reuse
	// of one request id across payloads and methods is exercised.
	sweepRequestID = "0b7d2f4c-5a1e-4f3b-8c9d-2e6f1a3b5c7d"
	// sweepMissingID is well-formed and names nothing.
	sweepMissingID = "6f1c2b7e-3d4a-4e5f-9a8b-7c6d5e4f3a21"
	sweepNilID     = "00000000-0000-0000-0000-000000000000"
	// sweepMemberID is the member the sweep's CreateTeacher names.
	sweepMemberID = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98"
)

// --- The OpenAPI document -------------------------------------------------

type sweepSpec struct {
	Paths       map[string]map[string]sweepSpecOp `json:"paths"`
	Definitions map[string]*sweepSchema           `json:"definitions"`
}

type sweepSpecOp struct {
	OperationID string       `json:"operationId"`
	Parameters  []sweepParam `json:"parameters"`
}

type sweepParam struct {
	Name    string       `json:"name"`
	In      string       `json:"in"`
	Type    string       `json:"type"`
	Format  string       `json:"format"`
	Pattern string       `json:"pattern"`
	Schema  *sweepSchema `json:"schema"`
}

type sweepSchema struct {
	Ref                  string                  `json:"$ref"`
	Type                 string                  `json:"type"`
	Format               string                  `json:"format"`
	Enum                 []string                `json:"enum"`
	Properties           map[string]*sweepSchema `json:"properties"`
	Items                *sweepSchema            `json:"items"`
	AdditionalProperties *sweepSchema            `json:"-"`
}

// UnmarshalJSON reads additionalProperties, which may be a schema or a bool.
func (s *sweepSchema) UnmarshalJSON(b []byte) error {
	type plain sweepSchema
	var raw struct {
		*plain
		Additional json.RawMessage `json:"additionalProperties"`
	}
	raw.plain = (*plain)(s)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw.Additional) > 0 && raw.Additional[0] == '{' {
		s.AdditionalProperties = new(sweepSchema)
		return json.Unmarshal(raw.Additional, s.AdditionalProperties)
	}
	return nil
}

// sweepOperation is one path and method of the document.
type sweepOperation struct {
	id       string // operationId
	method   string
	template string // e.g. /v1/{name_1}
	path     []sweepParam
	query    []sweepParam
	body     *sweepSchema // resolved; nil without a body
}

func (o sweepOperation) String() string { return o.method + " " + o.template + " (" + o.id + ")" }

func loadSweepOperations(t *testing.T) []sweepOperation {
	t.Helper()
	raw, err := os.ReadFile("../../gen/openapi/steward.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec sweepSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	spec.collapseNamePaths()
	var ops []sweepOperation
	for template, methods := range spec.Paths {
		for method, o := range methods {
			op := sweepOperation{id: o.OperationID, method: strings.ToUpper(method), template: template}
			for _, prm := range o.Parameters {
				switch prm.In {
				case "path":
					if prm.Pattern == "" {
						t.Fatalf("%s: path parameter %s has no pattern", op, prm.Name)
					}
					op.path = append(op.path, prm)
				case "query":
					op.query = append(op.query, prm)
				case "body":
					op.body = spec.resolve(prm.Schema, 0)
				default:
					t.Fatalf("%s: parameter %s in %s", op, prm.Name, prm.In)
				}
			}
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		t.Fatal("the OpenAPI document has no operations")
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].template != ops[j].template {
			return ops[i].template < ops[j].template
		}
		return ops[i].method < ops[j].method
	})
	return ops
}

// resolve inlines $refs, to a bounded depth (the bodies are not recursive,
// but google.protobuf.Any-like types could be).
func (sp *sweepSpec) resolve(s *sweepSchema, depth int) *sweepSchema {
	if s == nil || depth > 4 {
		return nil
	}
	if s.Ref != "" {
		return sp.resolve(sp.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")], depth)
	}
	out := *s
	out.Properties = nil
	for name, p := range s.Properties {
		if r := sp.resolve(p, depth+1); r != nil {
			if out.Properties == nil {
				out.Properties = map[string]*sweepSchema{}
			}
			out.Properties[name] = r
		}
	}
	out.Items = sp.resolve(s.Items, depth+1)
	out.AdditionalProperties = sp.resolve(s.AdditionalProperties, depth+1)
	return &out
}

// collections is the collection ids of a name pattern such as
// "tenants/[^/]+/homes/[^/]+": "tenants/homes".
func collections(pattern string) string {
	segs := strings.Split(strings.ReplaceAll(pattern, "[^/]+", "*"), "/")
	var out []string
	for i := 0; i < len(segs); i += 2 {
		out = append(out, segs[i])
	}
	return strings.Join(out, "/")
}

// --- Fixtures -------------------------------------------------------------

// sweepFixtures are real resources, by the collection ids of their names.
type sweepFixtures struct {
	founder   string            // a login of its own that signs up (CreateTenant)
	owner     map[string]string // the household's, for everything but deletes
	deletable map[string]string // the household's, deleted by the sweep
	school    map[string]string // the school's
	// The school directory's, for its school-only operations (schoolOnly):
	// the school's admin sweeps them as the household's owner sweeps the
	// rest, with the household's names as another tenant's.
	directory, directoryDeletable, householdDirectory map[string]string
	// schedule is what the schedule's well-formed requests need beside the
	// names: see sweepSchedule.
	schedule sweepSchedule
	// pageTokens are real tokens handed out by the List methods.
	pageTokens []string
}

func newSweepFixtures(t *testing.T, s *stack) sweepFixtures {
	t.Helper()
	fx := sweepFixtures{
		founder:   s.newLogin(t, "sweep-founder", true),
		owner:     resourceSet(t, s, householdOwner, "tenants/"+s.summary.HouseholdTenantID.String(), true),
		deletable: resourceSet(t, s, householdOwner, "tenants/"+s.summary.HouseholdTenantID.String(), false),
		school:    schoolNames(t, s),
	}
	school, household := "tenants/"+s.summary.SchoolTenantID.String(), "tenants/"+s.summary.HouseholdTenantID.String()
	fx.directory, fx.directoryDeletable = directorySet(t, s, school, "kept"), directorySet(t, s, school, "deleted")
	fx.schedule = newSweepSchedule(t, s, fx.directory, fx.directoryDeletable)
	s.addInvoicingSweepSets(t, fx.directory, fx.directoryDeletable)
	fx.householdDirectory = map[string]string{"tenants": household}
	for k, v := range fx.directory {
		if k != "tenants" {
			fx.householdDirectory[k] = household + strings.TrimPrefix(directoryMissing(v), school)
		}
	}
	ctx := s.as(t, householdOwner)
	tenant, home, asset := fx.owner["tenants"], fx.owner["tenants/homes"], fx.owner["tenants/homes/assets"]
	var tokens []string
	if r, err := s.assets.ListHomes(ctx, &assetsv1.ListHomesRequest{Parent: tenant, PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	if r, err := s.assets.ListLocations(ctx, &assetsv1.ListLocationsRequest{Parent: home, PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	if r, err := s.assets.ListAssets(ctx, &assetsv1.ListAssetsRequest{Parent: tenant + "/homes/-", PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	if r, err := s.assets.ListAssetCategories(ctx, &assetsv1.ListAssetCategoriesRequest{PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	if r, err := s.assets.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: asset, PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	if r, err := s.assets.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: asset, PageSize: 1}); err == nil {
		tokens = append(tokens, r.GetNextPageToken())
	}
	for _, tok := range tokens {
		if tok != "" {
			fx.pageTokens = append(fx.pageTokens, tok)
		}
	}
	if len(fx.pageTokens) < 4 {
		t.Fatalf("only %d of the List methods handed out a page token: %q", len(fx.pageTokens), tokens)
	}
	return fx
}

// schoolNames are names in the school's tenant: a real home, and below it
// names of nothing (TestSchoolAdminSeesOnlyOwnTenant wants the school to
// have no assets, and the sweep runs beside it).
func schoolNames(t *testing.T, s *stack) map[string]string {
	t.Helper()
	tenant := "tenants/" + s.summary.SchoolTenantID.String()
	home, err := s.assets.CreateHome(s.as(t, schoolAdmin), &assetsv1.CreateHomeRequest{Parent: tenant,
		Home: &assetsv1.Home{DisplayName: "Sweep annexe", TimeZone: "Europe/London"}})
	if err != nil {
		t.Fatalf("sweep fixture: CreateHome as the school: %v", err)
	}
	asset := home.GetName() + "/assets/" + sweepMissingID
	set := map[string]string{
		"tenants/members":                  tenant + "/members/" + sweepMissingID,
		"tenants/invitations":              tenant + "/invitations/" + sweepMissingID,
		"tenants":                          tenant,
		"tenants/homes":                    home.GetName(),
		"tenants/homes/locations":          home.GetName() + "/locations/" + sweepMissingID,
		"tenants/homes/assets":             asset,
		"tenants/homes/assets/attachments": asset + "/attachments/" + sweepMissingID,
		"tenants/homes/assets/plans":       asset + "/plans/" + sweepMissingID,
		"tenants/homes/assets/insight":     asset + "/insight",
		"tenants/homes/tasks":              home.GetName() + "/tasks/" + sweepMissingID,
		"tenants/homes/maintenanceFeeds":   home.GetName() + "/maintenanceFeeds/" + sweepMissingID,
	}
	maps.Copy(set, s.reminderSweepFixtures(t, tenant, schoolAdmin))
	return set
}

// directorySet creates, as the school's admin, one of each directory
// resource of the school (tag keeps the names of two sets apart).
func directorySet(t *testing.T, s *stack, school, tag string) map[string]string {
	t.Helper()
	return newDirectorySet(t, s.directory, s.as(t, schoolAdmin), school, tag)
}

// newDirectorySet creates through ctx, a school admin's, a room, an
// instrument, a teacher, a family and a student of the family who plays
// nothing (so the instrument may go), by the collections of their names.
func newDirectorySet(t *testing.T, d bookingv1.DirectoryServiceClient, ctx context.Context, school, tag string) map[string]string {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("directory fixture: %s in %s: %v", what, school, err)
		}
	}
	room, err := d.CreateRoom(ctx, &bookingv1.CreateRoomRequest{Parent: school, Room: &bookingv1.Room{DisplayName: "Sweep " + tag + " studio", Capacity: 2}})
	must("CreateRoom", err)
	inst, err := d.CreateInstrument(ctx, &bookingv1.CreateInstrumentRequest{Parent: school,
		Instrument: &bookingv1.Instrument{DisplayName: "Sweep " + tag + " harp", Kind: bookingv1.Instrument_KIND_STRINGS}})
	must("CreateInstrument", err)
	teacher, err := d.CreateTeacher(ctx, &bookingv1.CreateTeacherRequest{Parent: school,
		Teacher: &bookingv1.Teacher{Member: school + "/members/" + uuid.NewString(), DisplayName: "Sweep " + tag + " teacher"}})
	must("CreateTeacher", err)
	family, err := d.CreateFamily(ctx, &bookingv1.CreateFamilyRequest{Parent: school, Family: &bookingv1.Family{DisplayName: "The " + tag + " family"}})
	must("CreateFamily", err)
	student, err := d.CreateStudent(ctx, &bookingv1.CreateStudentRequest{Parent: family.GetName(), Student: &bookingv1.Student{GivenName: "Sweep"}})
	must("CreateStudent", err)
	return map[string]string{
		"tenants": school, "tenants/rooms": room.GetName(), "tenants/instruments": inst.GetName(), "tenants/teachers": teacher.GetName(),
		"tenants/families": family.GetName(), "tenants/families/students": student.GetName(),
	}
}

// directoryMissing is name with every id below its tenant replaced by one
// that names nothing.
func directoryMissing(name string) string {
	segs := strings.Split(name, "/")
	for i := 3; i < len(segs); i += 2 {
		segs[i] = sweepMissingID
	}
	return strings.Join(segs, "/")
}

// resourceSet creates a home, a location, an asset, an attachment and (with
// extra) a second location, meter readings and a second attachment, so that
// every List has a second page.
func resourceSet(t *testing.T, s *stack, who, tenant string, extra bool) map[string]string {
	t.Helper()
	ctx := s.as(t, who)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("sweep fixture: %s as %s: %v", what, who, err)
		}
	}
	tree := s.newAssetTree(t, ctx, tenant, "Sweep home", must)
	if extra {
		_, err := s.assets.CreateLocation(ctx, &assetsv1.CreateLocationRequest{Parent: tree.home,
			Location: &assetsv1.Location{DisplayName: "Loft", Kind: assetsv1.Location_KIND_ROOM}})
		must("CreateLocation", err)
		for _, v := range []float64{1, 2} {
			_, err = s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: tree.asset,
				MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: v}})
			must("CreateMeterReading", err)
		}
		_, err = s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: tree.asset, Content: []byte("receipt"),
			Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_RECEIPT, Filename: "receipt.txt", ContentType: "text/plain"}})
		must("CreateAttachment", err)
	}
	// The invitation is for who, as an OWNER, which who already is: the
	// sweep's well-formed accept succeeds and changes no one's roles.
	member, invitation := s.newMemberAndInvitation(t, uuid.MustParse(strings.TrimPrefix(tenant, "tenants/")), ctx, who, typev1.Role_ROLE_OWNER, must)
	set := map[string]string{
		"tenants/members":                  member,
		"tenants/invitations":              invitation,
		"tenants":                          tenant,
		"tenants/homes":                    tree.home,
		"tenants/homes/locations":          tree.location,
		"tenants/homes/assets":             tree.asset,
		"tenants/homes/assets/attachments": tree.attachment,
	}
	maps.Copy(set, s.reminderSweepFixtures(t, tenant, who))
	maps.Copy(set, s.newMaintenanceSet(t, ctx, tree, must))
	set["tenants/homes/assets/insight"] = insightOf(tree)
	maps.Copy(set, s.newDashboardFixtures(t, ctx, tenant, tree.home, must))
	return set
}

// --- Planning -------------------------------------------------------------

type sweepRequest struct {
	op          string
	who         string // whose token goes in Authorization, unless auth is set
	auth        string // the raw Authorization header; "-" for none
	method      string
	target      string // path and query, escaped as sent
	body        []byte
	chunked     bool   // send the body without a Content-Length
	contentType string // "" means application/json when there is a body
	note        string
	// want is the exact HTTP status the request must get, for callers who
	// must be refused (and the member's allowed calls beside them); 0 means
	// any success or 4xx with the gateway's error body.
	want int
	// refused, where no single status is right (the handler decides which
	// of its checks comes first), still means no 2xx.
	refused bool
}

type sweepPlanner struct {
	fx           sweepFixtures
	tokens       map[string]string // by login
	seenTemplate map[string]bool
	// sanity are well-formed requests, sent first and one at a time.
	sanity []sweepRequest
	// parallel are the owner's requests that delete nothing.
	parallel []sweepRequest
	// others are other callers' requests and deletes the owner's deletes:
	// sent one at a time, others first, after the parallel ones.
	others, deletes []sweepRequest
}

// baseBody is a well-formed body for the operation; one not listed here is
// swept from {}.
func (p *sweepPlanner) baseBody(op sweepOperation) string {
	loc := p.fx.owner["tenants/homes/locations"]
	switch op.id {
	case "AssetService_CreateHome":
		return `{"displayName":"Sweep created","timeZone":"Europe/London","address":{"addressLines":["1 Quay Street"],"locality":"Bristol","postalCode":"BS1 4DJ","regionCode":"GB"}}`
	case "AssetService_UpdateHome":
		return `{"displayName":"Sweep renamed","timeZone":"Europe/Paris"}`
	case "AssetService_CreateLocation":
		return `{"displayName":"Cellar","kind":"KIND_ROOM","floor":"Basement"}`
	case "AssetService_UpdateLocation":
		return `{"displayName":"Attic","floor":"3"}`
	case "AssetService_CreateAsset", "AssetService_UpdateAsset":
		return `{"displayName":"Water heater","category":"assetCategories/water-heater","make":"Rheem","model":"XE50","serialNumber":"S-1",` +
			`"installDate":"2024-05-02","purchaseDate":"2024-04-30","purchaseCost":{"currencyCode":"USD","amountMinor":"129900"},` +
			`"expectedLifespanMonths":144,"warrantyExpiryDate":"2030-05-02","location":"` + loc + `","status":"STATUS_IN_SERVICE","attributes":{"capacity":"50 gal"}}`
	case "AssetService_CreateMeterReading":
		return `{"meter":"sweep","unit":"UNIT_HOURS","value":1,"meterReset":true,"note":"sweep"}`
	case "DirectoryService_UpdateSchoolSettings":
		return `{"timeZone":"America/Los_Angeles","currencyCode":"USD","rescheduleNoticeHours":24}`
	case "DirectoryService_CreateRoom":
		return `{"displayName":"Sweep created studio","capacity":4}`
	case "DirectoryService_UpdateRoom":
		return `{"displayName":"Sweep renamed studio","capacity":3}`
	case "DirectoryService_CreateInstrument":
		return `{"displayName":"Sweep oboe","kind":"KIND_WOODWIND"}`
	case "DirectoryService_UpdateInstrument":
		return `{"displayName":"Sweep cor anglais","kind":"KIND_WOODWIND"}`
	case "DirectoryService_CreateTeacher":
		return `{"member":"` + p.fx.directory["tenants"] + `/members/` + sweepMemberID + `","displayName":"Sweep teacher",` +
			`"instruments":["` + p.fx.directory["tenants/instruments"] + `"],"calendarColor":"#123456"}`
	case "DirectoryService_UpdateTeacher":
		return `{"displayName":"Sweep renamed teacher","instruments":["` + p.fx.directory["tenants/instruments"] + `"],"calendarColor":"#654321"}`
	case "DirectoryService_CreateFamily", "DirectoryService_UpdateFamily":
		return `{"displayName":"The Sweep family","billingContact":{"displayName":"Sam Sweep","email":"sam@sweep.example","phone":"+15555550100"},` +
			`"address":{"lines":["1 Magnolia Ave"],"locality":"Riverside","administrativeArea":"CA","postalCode":"92501","regionCode":"US"}}`
	case "DirectoryService_CreateStudent", "DirectoryService_UpdateStudent":
		return `{"givenName":"Sweepy","familyName":"Sweep","birthYear":2014,"instruments":["` + p.fx.directory["tenants/instruments"] + `"],"level":"LEVEL_BEGINNER"}`
	case "AssetService_CreateAttachment":
		return `{"attachment":{"kind":"KIND_PHOTO","filename":"photo.txt","contentType":"text/plain"},"content":"aGVsbG8="}`
	case "TenantService_CreateTenant":
		return `{"displayName":"Sweep sign-up","kind":"KIND_HOUSEHOLD"}`
	case "MemberService_CreateInvitation":
		return `{"email":"sweep-invited@example.com","roles":["ROLE_MEMBER"]}`
	case "MemberService_UpdateMember":
		return `{"roles":["ROLE_MEMBER"]}`
	}
	if body, ok := p.maintenancePlanBody(op); ok {
		return body
	}
	if body, ok := p.invoicingBody(op); ok {
		return body
	}
	return p.scheduleBody(op)
}

// names returns valid resource names for the operation's path parameters,
// from a fixture set.
func names(t *testing.T, op sweepOperation, set map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, prm := range op.path {
		key := collections(prm.Pattern)
		if ownOnlyOperations[op.id] {
			key = ownKey(key) // the caller's own, not any of the collection
		}
		n, ok := set[key]
		if !ok {
			t.Fatalf("%s: no fixture for a name matching %s; add one to resourceSet", op, prm.Pattern)
		}
		out[prm.Name] = n
	}
	return out
}

func fillPath(op sweepOperation, values map[string]string) string {
	p := op.template
	for name, v := range values {
		p = strings.Replace(p, "{"+name+"}", v, 1)
	}
	return p
}

func (p *sweepPlanner) plan(t *testing.T, op sweepOperation) {
	t.Helper()
	// Signing up adds a tenant to the caller's list, which other tests of
	// the seeded logins count: CreateTenant is swept as a login of its own.
	sd := p.side(op)
	owner := sd.owner
	if op.id == "TenantService_CreateTenant" {
		owner = p.fx.founder
	}
	isDelete := op.method == http.MethodDelete || destructiveOperations[op.id]
	set := sd.own
	if isDelete {
		set = sd.deletable
	}
	valid := names(t, op, set)
	query := p.baseQuery(op, isDelete)
	validPath := withQuery(fillPath(op, valid), query)
	body := ""
	if op.body != nil {
		body = p.baseBody(op)
	}
	mk := func(who, target, body, note string) sweepRequest {
		return sweepRequest{op: op.String(), who: who, method: op.method, target: target, body: []byte(body), note: note}
	}
	var mine []sweepRequest // the owner's
	add := func(r sweepRequest) { mine = append(mine, r) }

	// Broken resource names, one parameter at a time, with a good body.
	for _, prm := range op.path {
		for _, v := range nameVariants(valid[prm.Name], sd.foreign[collections(prm.Pattern)]) {
			values := map[string]string{}
			for k, x := range valid {
				values[k] = x
			}
			values[prm.Name] = v.value
			r := mk(owner, withQuery(fillPath(op, values), query), body, prm.Name+": "+v.note)
			// Another tenant's resource, or its ids under the caller's own
			// tenant: not found, as if it did not exist. (Unless, in the
			// caller's own tenant, the body names a location of the owner's
			// home under another home: that is a 400 the names alone decide,
			// which reveals nothing.)
			ownLoc := p.fx.owner["tenants/homes/locations"]
			inconsistent := strings.Contains(body, ownLoc) && !strings.Contains(v.value, ownLoc[:strings.Index(ownLoc, "/locations/")])
			switch {
			case v.note == noteSchoolResource: // not a member: nothing else is looked at
				r.want = http.StatusNotFound
			case v.note == noteSchoolIDsUnderHousehold && inconsistent:
				r.refused = true // 400 for the location or 404 for the name, whichever the method checks first
			case v.note == noteSchoolIDsUnderHousehold:
				r.want = http.StatusNotFound
			}
			add(r)
		}
	}
	// Garbage query parameters on a valid name.
	for _, q := range p.queryVariants(op) {
		add(mk(owner, withQuery(validPath, q), body, "query"))
	}
	// Bodies of the wrong shape, and wrong values field by field.
	if op.body != nil {
		for _, b := range wholeBodyVariants(op.body) {
			add(mk(owner, validPath, b.value, "body: "+b.note))
		}
		for _, ct := range []struct{ ct, body string }{
			{"text/plain", body}, {"application/x-www-form-urlencoded", "displayName=x"},
			{"application/xml", "<home/>"}, {"application/json; charset=iso-8859-1", body}, {"multipart/form-data; boundary=x", "--x--"},
		} {
			r := mk(owner, validPath, ct.body, "content type "+ct.ct)
			r.contentType = ct.ct
			add(r)
		}
		var base map[string]any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&base); err != nil {
			t.Fatalf("%s: base body: %v", op, err)
		}
		for _, m := range fieldMutations(nil, op.body, 0) {
			add(mk(owner, validPath, mutate(t, base, m.path, m.value), "field "+strings.Join(m.path, ".")+": "+m.note))
		}
		if hasBytes(op.body) {
			// Too big for the gateway: read without a Content-Length.
			r := mk(owner, validPath, `{"content":"`+strings.Repeat("A", 12<<20)+`"}`, "body over the gateway's limit, chunked")
			r.chunked = true
			add(r)
			// Under the gateway's limit, over the service's 8 MiB.
			big := base64.StdEncoding.EncodeToString(make([]byte, 8<<20+1))
			add(mk(owner, validPath, strings.Replace(body, `"aGVsbG8="`, `"`+big+`"`, 1), "content of 8 MiB + 1"))
		}
	}
	// Bad credentials.
	tok := p.tokens[owner]
	for _, a := range []struct{ auth, note string }{
		{"-", "no Authorization"},
		{"Bearer garbage", "garbage token"},
		{"Bearer " + tok[:len(tok)-4] + flip(tok[len(tok)-4:]), "bad signature"},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin@example.com:homeportal")), "basic auth"},
		{"Bearer " + strings.Repeat("a", 16<<10), "16 KiB token"},
	} {
		r := mk("", validPath, body, a.note)
		r.auth = a.auth
		r.want = http.StatusUnauthorized
		if anonymousOperations[op.id] {
			r.want = http.StatusOK // credentials are ignored: the URL's token is the credential
		}
		add(r)
	}

	// A method the path does not have, once per path.
	if !p.seenTemplate[op.template] {
		p.seenTemplate[op.template] = true
		add(sweepRequest{op: op.String(), who: owner, method: http.MethodPut,
			target: fillPath(op, names(t, op, sd.own)), body: []byte(`{}`), note: "PUT, which no path has"})
	}

	// The well-formed request, as the owner first (last for deletes, so the
	// broken ones above meet a resource that still exists).
	switch {
	case isDelete:
		p.deletes = append(p.deletes, mine...)
		p.deletes = append(p.deletes, mk(owner, validPath, body, "well-formed"))
	case sanityExempt[op.id] != "":
		p.parallel = append(p.parallel, mine...)
		p.parallel = append(p.parallel, mk(owner, validPath, body, "well-formed, exempt: "+sanityExempt[op.id]))
	default:
		p.sanity = append(p.sanity, mk(owner, validPath, body, "well-formed"))
		p.parallel = append(p.parallel, mine...)
	}
	// Well-formed requests as callers with fewer roles or of another tenant,
	// each with the one answer it must get.
	asMember := mk(sd.member, validPath, body, "well-formed, as the member")
	asMember.want = memberStatus(op)
	if schoolOnlyOperation(op.id) {
		asMember.want, asMember.refused = teacherStatus(op)
	}
	asSchool := mk(sd.outsider, validPath, body, "well-formed, another tenant's names as its outsider")
	asSchool.want = http.StatusOK
	if len(op.path) > 0 {
		asSchool.want = http.StatusNotFound // every named resource is the household's
	}
	if anonymousOperations[op.id] {
		asSchool.want = http.StatusOK // the kept feed's URL works for anyone who holds it
	}
	if op.id == "MemberService_AcceptInvitation" {
		// Not a membership call: the invitation, for the owner's email,
		// is refused to everyone else's verified email.
		asSchool.want = http.StatusForbidden
	}
	if op.id != "TenantService_CreateTenant" { // see owner above
		p.others = append(p.others, asMember, asSchool)
	}
	if len(op.path) > 0 && op.method == http.MethodGet && sd.owner == householdOwner {
		// Reads only: the school is to have no assets (see schoolNames).
		p.others = append(p.others, mk(schoolAdmin, fillPath(op, names(t, op, p.fx.school)), body, "well-formed, school names as the school"))
	}
}

// sweepSide is who sweeps an operation and with which fixtures: the
// household's owner, its member and the school's admin as the outsider for
// most; the school's admin, a teacher (who reads the directory and writes
// none of it) and the household's owner for the school-only directory.
type sweepSide struct {
	owner, member, outsider string
	own, deletable, foreign map[string]string
}

func (p *sweepPlanner) side(op sweepOperation) sweepSide {
	if schoolOnlyOperation(op.id) {
		return sweepSide{owner: schoolAdmin, member: schoolTeacher, outsider: householdOwner,
			own: p.fx.directory, deletable: p.fx.directoryDeletable, foreign: p.fx.householdDirectory}
	}
	return sweepSide{owner: householdOwner, member: householdMember, outsider: schoolAdmin,
		own: p.fx.owner, deletable: p.fx.deletable, foreign: p.fx.school}
}

// memberWrites are the writes a household MEMBER may make (they record
// meter readings and attachments). Written by hand, never derived from the
// descriptors, so widening a role in a proto fails the sweep.
var memberWrites = map[string]bool{
	"AssetService_CreateMeterReading": true,
	"AssetService_CreateAttachment":   true,
}

// memberDeniedReads are the reads a household MEMBER may not make: members
// and invitations are the OWNER's.
var memberDeniedReads = map[string]bool{
	"MemberService_ListMembers": true, "MemberService_GetMember": true,
	"MemberService_ListInvitations": true, "MemberService_GetInvitation": true,
	// Maintenance feeds are managed by the OWNER (maintenance.manage).
	"DashboardService_ListMaintenanceFeeds": true,
}

// ownOnlyOperations reach only the caller's own resource (reminder
// preferences): their path names the sweeper's own (ownKey), and the
// member, handed the owner's, finds nothing.
var ownOnlyOperations = map[string]bool{}

// ownKey is the fixture key of the sweeper's own resource of a collection.
func ownKey(collection string) string { return "own:" + collection }

// memberStatus is what the household member's well-formed request gets:
// every read and the recording writes succeed, any other write is 403, and
// the owner's own resource is not found.
func memberStatus(op sweepOperation) int {
	if ownOnlyOperations[op.id] {
		return http.StatusNotFound
	}
	if (op.method == http.MethodGet && !memberDeniedReads[op.id]) || memberWrites[op.id] {
		return http.StatusOK
	}
	return http.StatusForbidden
}

type variant struct{ value, note string }

const (
	noteSchoolResource          = "the school's resource"
	noteSchoolIDsUnderHousehold = "the school's ids under the household"
)

// nameVariants breaks a valid resource name in every way a client might.
// Values are escaped as they go on the wire.
func nameVariants(valid, foreign string) []variant {
	segs := strings.Split(valid, "/")
	var out []variant
	replace := func(i int, v, note string) {
		c := slices.Clone(segs)
		c[i] = v
		out = append(out, variant{strings.Join(c, "/"), note})
	}
	collectionIDs := []string{"tenants", "homes", "locations", "assets", "attachments", "meterReadings"}
	for i := 0; i < len(segs); i += 2 {
		replace(i, "widgets", "unknown collection "+segs[i])
		next := collectionIDs[(slices.Index(collectionIDs, segs[i])+1)%len(collectionIDs)]
		replace(i, next, "wrong collection "+segs[i])
	}
	for i := 1; i < len(segs); i += 2 {
		id := segs[i]
		what := segs[i-1] + " id "
		for _, v := range []variant{
			{"not-a-uuid", "not a UUID"}, {sweepNilID, "nil UUID"}, {"-", "-"}, {sweepMissingID, "missing"},
			{"a%2Fb", "escaped slash"}, {"%FF", "invalid UTF-8"}, {"%00", "NUL"},
		} {
			replace(i, v.value, what+v.note)
		}
		// The full set on the tenant and the resource itself.
		if i != 1 && i != len(segs)-1 {
			continue
		}
		for _, v := range []variant{
			{strings.Repeat("a", 4096), "4 KiB"}, {strings.ToUpper(id), "upper case"},
			{strings.ReplaceAll(id, "-", ""), "no hyphens"}, {"%7B" + id + "%7D", "braces"},
			{"urn:uuid:" + id, "urn"}, {"%20" + id, "leading space"}, {id + "%0A", "trailing newline"},
			{"..", "dot dot"}, {"%2E%2E", "escaped dot dot"}, {"%C3%A9", "non-ASCII"}, {id + "%2F..", "escaped slash and dot dot"},
			{"%D9%A1" + id[1:], "Arabic digit"},
		} {
			replace(i, v.value, what+v.note)
		}
	}
	out = append(out,
		variant{strings.ReplaceAll(valid, "/", "%2F"), "every slash escaped"},
		variant{valid + "/", "trailing slash"},
		variant{strings.Replace(valid, "/", "//", 1), "double slash"},
		variant{valid + "/extra", "extra segment"},
		variant{"", "empty"},
		variant{valid + "%00", "trailing NUL"},
	)
	if foreign != "" {
		out = append(out, variant{foreign, noteSchoolResource})
		// The household's tenant with the school's ids below it.
		if fsegs := strings.Split(foreign, "/"); len(fsegs) > 2 {
			fsegs[1] = segs[1]
			out = append(out, variant{strings.Join(fsegs, "/"), noteSchoolIDsUnderHousehold})
		}
	}
	return out
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

func (p *sweepPlanner) queryVariants(op sweepOperation) []string {
	q := func(k, v string) string { return k + "=" + url.QueryEscape(v) }
	var out []string
	hasQuery := func(name string) bool {
		return slices.ContainsFunc(op.query, func(prm sweepParam) bool { return prm.Name == name })
	}
	for _, prm := range op.query {
		switch {
		case prm.Type == "integer":
			for _, v := range []string{"-1", "2147483648", "-2147483649", "abc", "", "1.5", "99999999999999999999", "1e3", "0x10", " 1", "\x00", "\xff"} {
				out = append(out, q(prm.Name, v))
			}
			out = append(out, q(prm.Name, "1")+"&"+q(prm.Name, "2"))
		case prm.Name == "pageToken":
			for _, v := range []string{"zzz", "!!!", "", "\x00", "\xff", strings.Repeat("A", 1025), "e30=", "bnVsbA", "W10", "eyJpZCI6MX0", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "-", "%"} {
				out = append(out, q(prm.Name, v))
			}
			for _, tok := range p.fx.pageTokens {
				out = append(out, q(prm.Name, tok), q(prm.Name, tok[:len(tok)/2]), q(prm.Name, tok[:len(tok)/2]+flip(tok[len(tok)/2:len(tok)/2+1])+tok[len(tok)/2+1:]))
			}
			if hasQuery("pageSize") {
				out = append(out, q("pageSize", "1")+"&"+q(prm.Name, p.fx.pageTokens[0]))
			}
		case prm.Name == "filter":
			loc := p.fx.owner["tenants/homes/locations"]
			for _, v := range []string{
				`make = "abc`, `colour = "red"`, `make ~ "a"`, `make = "a" OR make = "b"`, `NOT make = "a"`, `(make = "a")`,
				`make =`, `= "a"`, `make`, `AND`, `make = "a" AND`, `make = "a" AND AND make = "b"`, `make = "a" ANDmodel = "b"`,
				`make = 1`, `make != "a"`, `make = "a\x00b"`, `make = "\xff"`, `make = "` + strings.Repeat("é", 600) + `"`,
				`category = "\x00"`, `category = "\xff"`, `category = "assetCategories/../x"`, `category = ""`, `category < "a"`, `category != "assetCategories/roof"`,
				`status = STATUS_BOGUS`, `status = 99`, `status = ""`, `status != RETIRED`, `status < IN_SERVICE`,
				`location = "tenants/x/homes/y/locations/z"`, `location = "` + loc + `"`, `location != "` + loc + `"`,
				`location = "` + p.fx.school["tenants/homes/locations"] + `"`, `location = "\xff"`, `location > "` + loc + `"`,
				`warranty_expiry_date < "not-a-date"`, `warranty_expiry_date < 99999999999999999999`, `warranty_expiry_date < "2024-13-45"`,
				`warranty_expiry_date > "0000-01-01"`, `warranty_expiry_date > "9999-12-31"`, `warranty_expiry_date > "-0001-01-01"`,
				`warranty_expiry_date > "99999-01-01"`, `warranty_expiry_date != "2030-01-01"`, `warranty_expiry_date = "2030-01-01" AND warranty_expiry_date <= "2031-01-01"`,
				`create_time > "2020-01-01T00:00:00Z"`, `make.x = "a"`, `"make" = "a"`, `make="a"`, "make\t=\t\"a\"", `make = "a" and model = "b"`,
				"\xff", "\x00", strings.Repeat(`make = "a" AND `, 70) + `make = "a"`, strings.Repeat("(", 1000),
			} {
				out = append(out, q(prm.Name, v))
			}
		case prm.Name == "requestId":
			for _, v := range []string{"not-a-uuid", sweepNilID, strings.ToUpper(sweepRequestID), "{" + sweepRequestID + "}",
				strings.ReplaceAll(sweepRequestID, "-", ""), strings.Repeat("a", 100<<10), "\x00", "\xff", "", sweepRequestID} {
				out = append(out, q(prm.Name, v))
			}
		case prm.Name == "etag":
			for _, v := range []string{"garbage", "", strings.Repeat("7", 65), `"1"`, `W/"1"`, "-1", "99999999999999999999", "\x00", "\xff", "0", "*"} {
				out = append(out, q(prm.Name, v))
			}
		default: // any other string
			for _, v := range []string{"", "\x00", "\xff", strings.Repeat("m", 100<<10), "a b", "-", "%"} {
				out = append(out, q(prm.Name, v))
			}
		}
	}
	if op.method == http.MethodPatch {
		// update_mask is read from the query (the document does not list it).
		for _, v := range []string{"colour", "", ",", "display_name", "displayName,displayName", "name", "etag", "createTime", "*",
			"displayName,*", "address.locality", "address.bogus", "purchaseCost.amountMinor", "purchaseCost", "attributes.capacity", "attributes",
			"a.b.c.d", "\xff", "\x00", strings.Repeat(",", 1000), "DisplayName", "display-name", "displayName.x", strings.Repeat("a", 10<<10)} {
			out = append(out, q("updateMask", v))
		}
		out = append(out, q("updateMask", "displayName")+"&"+q("updateMask", "bogus"))
	}
	// Parameters nobody declared, and path parameters again in the query.
	out = append(out, "bogus=1", "%FF=1", "%00=1", "$alt=json", "fields=name", "a.b.c=1", "&&&", "=x", "a=%ZZ")
	for _, prm := range op.path {
		out = append(out, q(prm.Name, "tenants/"+sweepMissingID))
	}
	if op.body != nil && len(op.body.Properties) > 0 {
		// A body field in the query as well.
		out = append(out, q(slices.Sorted(maps.Keys(op.body.Properties))[0], "x"))
	}
	return out
}

// wholeBodyVariants are request bodies that are not the object expected.
func wholeBodyVariants(body *sweepSchema) []variant {
	first := "displayName"
	keys := make([]string, 0, len(body.Properties))
	for k := range body.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		first = keys[0]
	}
	return []variant{
		{"", "empty"}, {"{", "truncated"}, {`{"` + first + `":`, "truncated after a key"}, {"[]", "array"}, {"[{}]", "array of object"},
		{`"str"`, "string"}, {"42", "number"}, {"-1e999", "huge number"}, {"null", "null"}, {"true", "boolean"},
		{`{"unknownField":1}`, "unknown field"}, {`{"` + first + `":"a","` + first + `":"b"}`, "duplicate key"},
		{"{}{}", "two values"}, {"{} x", "trailing junk"}, {"{}", "empty object"},
		{strings.Repeat("[", 100000), "100000 nested arrays"},
		{strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000), "20000 nested objects"},
		{"\xef\xbb\xbf{}", "byte order mark"}, {"\xff", "invalid UTF-8"}, {"{\x00}", "NUL"},
		{`{"` + strings.Repeat("k", 100<<10) + `":1}`, "100 KiB key"}, {`{"\ud800":1}`, "lone surrogate key"},
		{"{'" + first + "':'a'}", "single quotes"}, {`{` + first + `:"a"}`, "unquoted key"},
	}
}

type mutation struct {
	path  []string
	value string // raw JSON
	note  string
}

// fieldMutations gives, for every field of the body (recursively), values
// of the wrong type and values of the right type that are out of range.
func fieldMutations(prefix []string, s *sweepSchema, depth int) []mutation {
	var out []mutation
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := s.Properties[k]
		path := append(slices.Clone(prefix), k)
		for _, v := range valuesFor(f) {
			out = append(out, mutation{path, v.value, v.note})
		}
		if f.Properties != nil && depth < 3 {
			out = append(out, fieldMutations(path, f, depth+1)...)
		}
	}
	return out
}

func valuesFor(f *sweepSchema) []variant {
	long := `"` + strings.Repeat("x", 100<<10) + `"`
	common := []variant{{"null", "null"}, {"{}", "object"}, {"[]", "array"}}
	switch {
	case len(f.Enum) > 0:
		return append(common, variant{`"NOT_A_VALUE"`, "unknown enum name"}, variant{`"` + f.Enum[0] + `"`, "unspecified"},
			variant{"99999", "unknown enum number"}, variant{"-1", "negative enum number"}, variant{"2147483648", "enum number overflow"},
			variant{"1.5", "fractional enum number"}, variant{`""`, "empty"}, variant{`"` + strings.ToLower(f.Enum[len(f.Enum)-1]) + `"`, "lower case"},
			variant{"true", "boolean"})
	case f.Type == "object" && f.AdditionalProperties != nil:
		many := make([]string, 0, 1000)
		for i := range 1000 {
			many = append(many, fmt.Sprintf(`"k%04d":"%s"`, i, strings.Repeat("v", 100)))
		}
		return []variant{{"null", "null"}, {"[]", "array"}, {`"x"`, "string"}, {`{"k":1}`, "number value"}, {`{"k":{}}`, "object value"},
			{`{"k":null}`, "null value"}, {`{"":"v"}`, "empty key"}, {`{"k\u0000":"v"}`, "NUL in key"}, {`{"k":"v\u0000"}`, "NUL in value"},
			{"{\"k\xff\":\"v\"}", "invalid UTF-8 key"}, {"{\"k\":\"\xff\"}", "invalid UTF-8 value"}, {`{"k":` + long + `}`, "100 KiB value"},
			{`{` + strings.Join(many, ",") + `}`, "1000 entries"}, {`{"k":"a","k":"b"}`, "duplicate key"},
			{strings.Repeat(`{"k":`, 10000) + `"v"` + strings.Repeat("}", 10000), "10000 nested objects"}}
	case f.Type == "object" || f.Properties != nil:
		return []variant{{"null", "null"}, {"[]", "array"}, {`"x"`, "string"}, {"42", "number"}, {`{"bogusField":1}`, "unknown field"}}
	case f.Type == "array":
		many := `[` + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("l", 100)+`",`, 1000), ",") + `]`
		return append(common[:2], variant{`"x"`, "string"}, variant{"[1]", "number item"}, variant{"[null]", "null item"},
			variant{"[{}]", "object item"}, variant{"[[]]", "nested array"}, variant{`[""]`, "empty item"}, variant{`["\u0000"]`, "NUL item"},
			variant{"[\"\xff\"]", "invalid UTF-8 item"}, variant{many, "1000 items"}, variant{`[` + long + `]`, "100 KiB item"})
	case f.Type == "integer":
		return append(common, variant{`"abc"`, "string"}, variant{"2147483648", "int32 overflow"}, variant{"-2147483649", "int32 underflow"},
			variant{"-1", "negative"}, variant{"1.5", "fraction"}, variant{`"99999999999999999999"`, "huge string"}, variant{"1e400", "1e400"},
			variant{"true", "boolean"}, variant{"-2147483648", "int32 minimum"}, variant{"2147483647", "int32 maximum"})
	case f.Type == "number":
		return append(common, variant{`"abc"`, "string"}, variant{`"NaN"`, "NaN"}, variant{`"Infinity"`, "Infinity"}, variant{`"-Infinity"`, "-Infinity"},
			variant{"1e308", "1e308"}, variant{"-1e308", "-1e308"}, variant{"-1", "negative"}, variant{"1e400", "1e400"}, variant{"5e-324", "denormal"},
			variant{"true", "boolean"}, variant{"99999999999999999999", "above 2^64"})
	case f.Type == "boolean":
		return append(common, variant{`"yes"`, "string"}, variant{"1", "number"}, variant{`"true"`, "quoted"})
	case f.Format == "int64" || f.Format == "uint64":
		return append(common, variant{`"99999999999999999999"`, "int64 overflow"}, variant{"99999999999999999999", "int64 overflow, unquoted"},
			variant{`"-9223372036854775808"`, "int64 minimum"}, variant{`"9223372036854775807"`, "int64 maximum"}, variant{`"-1"`, "negative"},
			variant{`"1.5"`, "fraction"}, variant{`"abc"`, "not a number"}, variant{"1e30", "1e30"}, variant{"true", "boolean"})
	case f.Format == "date-time":
		return append(common, variant{`"not-a-time"`, "not a time"}, variant{`"0001-01-01T00:00:00Z"`, "year 1"},
			variant{`"9999-12-31T23:59:59Z"`, "year 9999"}, variant{`"1969-12-31T23:59:59Z"`, "before 1970"}, variant{`"10000-01-01T00:00:00Z"`, "year 10000"},
			variant{`"2024-02-30T00:00:00Z"`, "30 February"}, variant{`"2024-01-01T00:00:00+25:00"`, "offset +25:00"}, variant{"123", "number"},
			variant{`""`, "empty"})
	case f.Format == "byte":
		return append(common, variant{`"!!!"`, "not base64"}, variant{`""`, "empty"}, variant{"123", "number"}, variant{`"a"`, "truncated base64"},
			variant{`"a\u0000"`, "NUL"}, variant{`"aGVsbG8=\n"`, "newline"}, variant{`"aGVsbG8"`, "unpadded"}, variant{`"aGV-bG8_"`, "URL alphabet"})
	default: // string
		return append(common, variant{"123", "number"}, variant{"true", "boolean"}, variant{`""`, "empty"},
			variant{`"a\u0000b"`, "NUL"}, variant{"\"a\xffb\"", "invalid UTF-8"}, variant{`"\ud800"`, "lone surrogate"},
			variant{long, "100 KiB"}, variant{`"-"`, "-"}, variant{`"tenants/` + sweepMissingID + `"`, "a tenant name"},
			variant{`"   "`, "blank"}, variant{`"\u202e\u0000\u200b"`, "control characters"})
	}
}

func hasBytes(s *sweepSchema) bool {
	for _, f := range s.Properties {
		if f.Format == "byte" || (f.Properties != nil && hasBytes(f)) {
			return true
		}
	}
	return false
}

const sweepPlaceholder = "@@sweep-value@@"

// mutate sets path in a copy of base to the raw JSON value.
func mutate(t *testing.T, base map[string]any, path []string, value string) string {
	t.Helper()
	root := deepCopy(base).(map[string]any)
	m := root
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = sweepPlaceholder
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(strings.TrimSpace(buf.String()), `"`+sweepPlaceholder+`"`, value, 1)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// --- Running and checking --------------------------------------------------

type sweepResult struct {
	status int
	header http.Header
	body   []byte
	err    error
}

type sweepFailure struct {
	req    sweepRequest
	res    sweepResult
	reason string
}

type sweepRunner struct {
	gatewayURL string
	tokens     map[string]string // by login; read only
	client     *http.Client

	mu       sync.Mutex
	failures []sweepFailure
	statuses map[int]int
}

func (r *sweepRunner) do(req sweepRequest) sweepResult {
	pathPart, query, _ := strings.Cut(req.target, "?")
	base, err := url.Parse(r.gatewayURL)
	if err != nil {
		return sweepResult{err: err}
	}
	var body io.Reader = http.NoBody
	if len(req.body) > 0 {
		if req.chunked {
			body = io.MultiReader(bytes.NewReader(req.body)) // no Len: sent chunked
		} else {
			body = bytes.NewReader(req.body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, req.method, r.gatewayURL+"/", body)
	if err != nil {
		return sweepResult{err: err}
	}
	// Opaque puts the path on the request line exactly as written.
	hreq.URL = &url.URL{Scheme: base.Scheme, Host: base.Host, Opaque: pathPart, RawQuery: query}
	switch {
	case req.auth == "-":
	case req.auth != "":
		hreq.Header.Set("Authorization", req.auth)
	default:
		hreq.Header.Set("Authorization", "Bearer "+r.tokens[req.who])
	}
	if req.contentType != "" {
		hreq.Header.Set("Content-Type", req.contentType)
	} else if len(req.body) > 0 {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(hreq)
	if err != nil {
		return sweepResult{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return sweepResult{status: resp.StatusCode, header: resp.Header, body: raw, err: err}
}

func (r *sweepRunner) parallel(reqs []sweepRequest) {
	work := make(chan sweepRequest)
	var wg sync.WaitGroup
	for range sweepWorkers {
		wg.Go(func() {
			for req := range work {
				r.check(req, r.do(req))
			}
		})
	}
	for _, req := range reqs {
		work <- req
	}
	close(work)
	wg.Wait()
}

// check records a failure unless the answer is a success or a 4xx with the
// gateway's error body, and unless it is exactly the status the request
// wants, if it wants one.
func (r *sweepRunner) check(req sweepRequest, res sweepResult) {
	r.mu.Lock()
	r.statuses[res.status]++
	r.mu.Unlock()
	if req.want != 0 && res.err == nil && res.status != req.want {
		r.fail(req, res, fmt.Sprintf("HTTP %d, want exactly %d", res.status, req.want))
	}
	if req.refused && res.err == nil && res.status < 300 {
		r.fail(req, res, fmt.Sprintf("HTTP %d, want a refusal", res.status))
	}
	switch {
	case res.err != nil:
		r.fail(req, res, "transport error: "+res.err.Error())
	case res.status >= 500:
		r.fail(req, res, "5xx")
	case res.status >= 200 && res.status <= 299:
	case res.status >= 400:
		if why := errorShape(res); why != "" {
			r.fail(req, res, "4xx without the gateway's error body: "+why)
		}
	default:
		r.fail(req, res, "neither success nor error")
	}
}

// errorShape says what is wrong with an error answer, or "".
func errorShape(res sweepResult) string {
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		return "Content-Type " + ct
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &m); err != nil {
		return err.Error()
	}
	var e struct {
		Code    int     `json:"code"`
		Status  string  `json:"status"`
		Message *string `json:"message"`
		Details []any   `json:"details"`
	}
	if err := json.Unmarshal(res.body, &e); err != nil {
		return err.Error()
	}
	switch {
	case len(m) != 4 || m["code"] == nil || m["status"] == nil || m["message"] == nil || m["details"] == nil:
		return "fields other than code, status, message, details"
	case e.Code <= 0 || e.Code > 16 || e.Status == "" || e.Status == "OK":
		return fmt.Sprintf("code %d status %q", e.Code, e.Status)
	case e.Message == nil || e.Details == nil:
		return "message or details missing"
	}
	return ""
}

func (r *sweepRunner) fail(req sweepRequest, res sweepResult, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, sweepFailure{req, res, reason})
}

func (r *sweepRunner) report(t *testing.T) {
	t.Helper()
	if len(r.failures) == 0 {
		return
	}
	sort.Slice(r.failures, func(i, j int) bool {
		a, b := r.failures[i].req, r.failures[j].req
		if a.op != b.op {
			return a.op < b.op
		}
		if a.target != b.target {
			return a.target < b.target
		}
		return string(a.body) < string(b.body)
	})
	// First the distinct answers, which usually are the distinct bugs.
	kinds := map[string]int{}
	for _, f := range r.failures {
		kinds[fmt.Sprintf("%s: HTTP %d %s", f.reason, f.res.status, excerpt(f.res.body, 200))]++
	}
	var summary []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		summary = append(summary, fmt.Sprintf("\t%d × %s", kinds[k], k))
	}
	t.Errorf("%d requests answered wrongly; by answer:\n%s", len(r.failures), strings.Join(summary, "\n"))
	for i, f := range r.failures {
		if i == 300 {
			t.Errorf("... and %d more", len(r.failures)-i)
			break
		}
		who := f.req.who
		if f.req.auth != "" {
			who = "Authorization " + excerpt([]byte(f.req.auth), 30)
		}
		t.Errorf("%s: %s\n\t%s %s as %s (%s)\n\tbody %s\n\t→ HTTP %d %s",
			f.req.op, f.reason, f.req.method, excerpt([]byte(f.req.target), 200), who, f.req.note,
			excerpt(f.req.body, 160), f.res.status, excerpt(f.res.body, 300))
	}
}

func excerpt(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("%q... (%d bytes)", b[:n], len(b))
	}
	return fmt.Sprintf("%q", b)
}
