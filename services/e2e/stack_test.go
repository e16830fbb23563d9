package e2e_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"steward.dev/db/dbtest"
	"steward.dev/db/seed"
	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	assetsv1 "steward.dev/gen/go/steward/assets/v1"
	bookingv1 "steward.dev/gen/go/steward/booking/v1"
	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
	"steward.dev/services/inprocess"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// stack is one running Steward, shared by the tests of this package. Tests
// that write create their own homes, so they never disturb each other.
type stack struct {
	db         *dbtest.Database
	steward    *inprocess.Stack
	issuerURL  string
	gatewayURL string
	signingKey *ecdsa.PrivateKey
	accounts   accountsv1.TenantServiceClient
	members    accountsv1.MemberServiceClient
	assets     assetsv1.AssetServiceClient
	directory  bookingv1.DirectoryServiceClient
	terms      bookingv1.TermServiceClient
	sessions   bookingv1.SessionServiceClient
	calendar   bookingv1.CalendarServiceClient
	plans      maintenancev1.PlanServiceClient
	tasks      maintenancev1.TaskServiceClient
	insight    maintenancev1.InsightServiceClient
	reminders  maintenancev1.ReminderServiceClient
	// maintenance is steward-maintenance's connection, on which its areas
	// beyond plans, tasks and the insight make their clients
	// (maintenance_*_fixtures_test.go).
	maintenance *grpc.ClientConn
	// invoicing is steward-invoicing's (invoicing_fixtures_test.go).
	invoicing *grpc.ClientConn
	summary   seed.Summary

	mu     sync.Mutex
	tokens map[string]string
}

var (
	stackOnce sync.Once
	shared    *stack
	stackErr  error
)

func startStack(t *testing.T) *stack {
	t.Helper()
	stackOnce.Do(func() {
		stackErr = errors.New("the test that started the stack failed first") // if newStack never returns
		shared, stackErr = newStack(t)
	})
	if stackErr != nil {
		t.Fatalf("start stack: %v", stackErr)
	}
	return shared
}

func newStack(t *testing.T) (*stack, error) {
	ctx := context.Background() // lives as long as the test binary
	d := dbtest.New(t)
	dataDir, err := os.MkdirTemp("", "stw-data-")
	if err != nil {
		return nil, err
	}
	openapi, err := os.ReadFile("../../gen/openapi/steward.swagger.json")
	if err != nil {
		return nil, err
	}
	steward, err := inprocess.Start(ctx, inprocess.Config{OwnerURL: d.OwnerURL, AppURL: d.AppURL, DataDir: dataDir, OpenAPI: openapi})
	if err != nil {
		return nil, err
	}
	s := &stack{db: d, steward: steward, issuerURL: steward.IssuerURL, gatewayURL: steward.GatewayURL,
		signingKey: steward.SigningKey, summary: steward.Summary, tokens: map[string]string{}}
	accountsConn, err := grpc.NewClient(steward.Addrs["accounts"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	assetsConn, err := grpc.NewClient(steward.Addrs["assets"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	bookingConn, err := grpc.NewClient(steward.Addrs["booking"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	maintenanceConn, err := grpc.NewClient(steward.Addrs["maintenance"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	if s.invoicing, err = grpc.NewClient(steward.Addrs["invoicing"], grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		return nil, err
	}
	s.accounts = accountsv1.NewTenantServiceClient(accountsConn)
	s.members = accountsv1.NewMemberServiceClient(accountsConn)
	s.assets = assetsv1.NewAssetServiceClient(assetsConn)
	s.directory = bookingv1.NewDirectoryServiceClient(bookingConn)
	s.terms = bookingv1.NewTermServiceClient(bookingConn)
	s.sessions = bookingv1.NewSessionServiceClient(bookingConn)
	s.calendar = bookingv1.NewCalendarServiceClient(bookingConn)
	s.plans = maintenancev1.NewPlanServiceClient(maintenanceConn)
	s.tasks = maintenancev1.NewTaskServiceClient(maintenanceConn)
	s.insight = maintenancev1.NewInsightServiceClient(maintenanceConn)
	s.reminders = maintenancev1.NewReminderServiceClient(maintenanceConn)
	s.maintenance = maintenanceConn
	return s, nil
}

// token logs in with the password grant, once per user.
func (s *stack) token(t *testing.T, email string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.tokens[email]; ok {
		return tok
	}
	tok, err := s.steward.Login(email)
	if err != nil {
		t.Fatal(err)
	}
	s.tokens[email] = tok
	return tok
}

// as returns a context that calls as the user.
func (s *stack) as(t *testing.T, email string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.token(t, email))
}

// httpDo calls the gateway and decodes a JSON answer into out (if non-nil).
func (s *stack) httpDo(t *testing.T, method, path, bearer, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, s.gatewayURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: status %d, body %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

const (
	householdOwner  = "admin@example.com"
	householdMember = "jamie@example.com"
	schoolAdmin     = "admin@school.example"
	schoolTeacher   = "elena.vasquez@school.example"
)
