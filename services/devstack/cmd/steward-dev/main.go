// Command steward-dev runs the whole stack on one machine for development:
// a throwaway PostgreSQL cluster (unless DATABASE_URL names one), migrations,
// demo data, the development OIDC issuer, every service and the gateway.
// Ctrl-C stops everything it started, the cluster included.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"steward.dev/db"
	"steward.dev/db/cluster"
	"steward.dev/db/seed"
	platformcatalog "steward.dev/platform/catalog"
	"steward.dev/services/catalog"
)

const (
	gatewayAddr = "127.0.0.1:8080"
	gatewayURL  = "http://" + gatewayAddr
	// The development mail sink (mailpit, built into bin/ from the tools
	// module): every email the services send lands in its web inbox.
	mailSMTPAddr = "127.0.0.1:1025"
	mailWebAddr  = "127.0.0.1:8025"
	mailFrom     = "Steward <steward@steward.localhost>"
	// The development Stripe: stripe-mock (built into bin/ from the tools
	// module), Stripe's own offline mock of its API, at its usual ports.
	// Invoicing gets a test key (stripe-mock takes any) and a webhook secret
	// fixed for development, so that a developer can sign a webhook to the
	// gateway by hand (README: "Card payments").
	stripeMockAddr      = "127.0.0.1:12111"
	stripeMockHTTPSAddr = "127.0.0.1:12112"
	stripeSecretKey     = "sk_test_steward"
	stripeWebhookSecret = "whsec_steward_development"
)

// process is one binary make run starts, with its arguments and its own
// environment.
type process struct {
	name string
	args []string
	env  []string
}

// mailSink is mailpit on loopback. It drops a message whose Message-ID it
// already holds, as a mailbox would: the outbox resends with the same id
// after a crash between the send and its commit (platform/outbox).
var mailSink = process{name: "mailpit", args: []string{
	"--smtp", mailSMTPAddr, "--listen", mailWebAddr, "--ignore-duplicate-ids",
	"--disable-version-check", "--smtp-disable-rdns", "--quiet",
}}

// stripeMock answers Invoicing's Stripe calls (Checkout Sessions) offline.
// It sends no webhooks: a payment is a webhook signed by hand.
var stripeMock = process{name: "stripe-mock", args: []string{"-http-addr", stripeMockAddr, "-https-addr", stripeMockHTTPSAddr}}

// serviceClient is the development issuer's client-credentials client of a
// service that dials others: its identity in jobs (catalog.Env's
// ServiceIdentity).
type serviceClient struct {
	service, id, secret string
}

// serviceClients gives each service that dials another a client of its own,
// steward-<name>, with a secret made up for this run.
func serviceClients(secret func() string) []serviceClient {
	var clients []serviceClient
	for _, svc := range catalog.GRPCServices() {
		if len(svc.Dials) > 0 {
			clients = append(clients, serviceClient{service: svc.Name, id: svc.Binary(), secret: secret()})
		}
	}
	return clients
}

// processes lists every service of the catalog, each at its default
// address and told the address of each service it dials, then the gateway,
// told the address of each service it routes to. The issuer registers
// clients, each gRPC service knows their ids as service principals
// (SERVICE_CLIENTS), and the service each is for holds its credentials.
func processes(clients []serviceClient) []process {
	var ids, issuerClients []string
	for _, c := range clients {
		ids = append(ids, c.id)
		issuerClients = append(issuerClients, c.id+":"+c.secret)
	}
	procs := []process{mailSink, stripeMock}
	gateway := process{name: "steward-gateway", env: []string{"GATEWAY_ADDR=" + gatewayAddr}}
	for _, svc := range catalog.Services() {
		p := process{name: svc.Binary(), env: []string{svc.AddrEnv() + "=" + svc.Addr()}}
		for _, d := range svc.Dials {
			dep, _ := catalog.Lookup(d) // platform/catalog.Check, under test, guarantees it is there
			p.env = append(p.env, dep.AddrEnv()+"="+dep.Addr())
		}
		switch {
		case svc.Name == catalog.IssuerName && len(issuerClients) > 0:
			p.env = append(p.env, "ISSUER_CLIENTS="+strings.Join(issuerClients, ","))
		case svc.GRPCAddr != "" && len(ids) > 0:
			p.env = append(p.env, "SERVICE_CLIENTS="+strings.Join(ids, ","))
		}
		for _, c := range clients {
			if c.service == svc.Name {
				p.env = append(p.env, platformcatalog.ServiceClientIDEnv+"="+c.id, platformcatalog.ServiceClientSecretEnv+"="+c.secret)
			}
		}
		procs = append(procs, p)
		if len(svc.Gateway) > 0 {
			gateway.env = append(gateway.env, svc.AddrEnv()+"="+svc.Addr())
		}
	}
	return append(procs, gateway)
}

// grpcAddrs lists where each gRPC service listens: "accounts 127.0.0.1:9100, ...".
func grpcAddrs() string {
	var addrs []string
	for _, svc := range catalog.GRPCServices() {
		addrs = append(addrs, svc.Name+" "+svc.GRPCAddr)
	}
	return strings.Join(addrs, ", ")
}

func issuerURL() string {
	issuer, _ := catalog.Lookup(catalog.IssuerName)
	return "http://" + issuer.HTTPAddr
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		slog.Error("steward-dev", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	binDir, err := binaries()
	if err != nil {
		return err
	}
	ownerURL, appURL := os.Getenv("DATABASE_URL"), os.Getenv("APP_DATABASE_URL")
	shownURL := ownerURL
	if ownerURL == "" {
		fmt.Println("starting a throwaway PostgreSQL cluster ...")
		c, err := cluster.Start(ctx, cluster.Options{TCP: true})
		if err != nil {
			return err
		}
		defer func() {
			fmt.Println("stopping PostgreSQL and deleting its files")
			if err := c.Stop(); err != nil {
				slog.Error("stop cluster", "error", err)
			}
		}()
		if err := c.CreateDatabase(ctx, "steward", ""); err != nil {
			return err
		}
		ownerURL, appURL = c.URL(cluster.OwnerRole, "steward"), c.URL(db.RuntimeRole, "steward")
		shownURL = c.TCPURL(cluster.OwnerRole, "steward")
	} else if appURL == "" {
		if appURL, err = withUser(ownerURL, db.RuntimeRole); err != nil {
			return err
		}
	}
	fmt.Println("migrating", strings.Join(catalog.Schemas(), ", "), "...")
	if err := db.Migrate(ctx, ownerURL); err != nil {
		return err
	}
	fmt.Println("seeding demo data ...")
	issuerURL := issuerURL()
	summary, err := seed.Seed(ctx, ownerURL, seed.Options{Issuer: issuerURL})
	if err != nil {
		return err
	}
	fmt.Println(summary)

	common := []string{"APP_DATABASE_URL=" + appURL, "OIDC_ISSUER=" + issuerURL, "OIDC_AUDIENCE=steward",
		"MAIL_SMTP_ADDR=" + mailSMTPAddr, "MAIL_FROM=" + mailFrom,
		"STRIPE_SECRET_KEY=" + stripeSecretKey, "STRIPE_WEBHOOK_SECRET=" + stripeWebhookSecret, "STRIPE_API_URL=http://" + stripeMockAddr}
	procs := processes(serviceClients(rand.Text))
	var wg sync.WaitGroup
	procCtx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	exited := make(chan string, len(procs))
	for _, p := range procs {
		cmd := exec.Command(filepath.Join(binDir, p.name), p.args...)
		cmd.Env = append(append(os.Environ(), common...), p.env...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", p.name, err)
		}
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				slog.Error("exited", "process", name, "error", err)
				exited <- name
			case <-procCtx.Done():
				_ = cmd.Process.Signal(syscall.SIGTERM)
				var err error
				select {
				case err = <-done:
				case <-time.After(25 * time.Second):
					_ = cmd.Process.Kill()
					err = <-done
				}
				if err != nil {
					slog.Warn("stopped uncleanly", "process", name, "error", err)
				}
			}
		}(p.name)
	}
	if err := waitHealthy(ctx, gatewayURL+"/healthz", exited); err != nil {
		return err
	}
	fmt.Printf(`
Steward is running.

  JSON API + docs   %[1]s/docs        (OpenAPI: %[1]s/openapi.json)
  gRPC              %[3]s (reflection on)
  OIDC issuer       %[2]s/.well-known/openid-configuration
  DATABASE_URL      %[4]s
  Mail (dev sink)   http://%[6]s      (every email sent, e.g. maintenance reminders; SMTP %[7]s)
  Stripe (mock)     http://%[8]s     (stripe-mock, test key %[9]s; webhook secret %[10]s)

Log in (password grant, client_id=steward-cli, every password homeportal):
  household owner   admin@example.com
%[5]s

  TOKEN=$(curl -s %[2]s/token -d grant_type=password -d client_id=steward-cli \
      -d username=admin@example.com -d password=homeportal \
      | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -s -H "Authorization: Bearer $TOKEN" %[1]s/v1/tenants

Ctrl-C stops everything.

The emails a login is sent (reminders of due and overdue maintenance, expiring
warranties) are in the mail sink's web page above, no login needed.

`, gatewayURL, issuerURL, grpcAddrs(), shownURL, schoolLogins(summary), mailWebAddr, mailSMTPAddr,
		stripeMockAddr, stripeSecretKey, stripeWebhookSecret)
	select {
	case <-ctx.Done():
		fmt.Println("\nstopping ...")
		return nil
	case name := <-exited:
		return fmt.Errorf("%s exited", name)
	}
}

// binaries finds the service binaries next to this one (make build puts them in bin/).
func binaries() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(self)
	if _, err := os.Stat(filepath.Join(dir, "steward-gateway")); err != nil {
		return "", errors.New("service binaries not found next to steward-dev: run `make run`")
	}
	return dir, nil
}

func withUser(dsn, user string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "", errors.New("DATABASE_URL must be a postgres:// URL when APP_DATABASE_URL is not given")
	}
	u.User = url.User(user)
	return u.String(), nil
}

func waitHealthy(ctx context.Context, healthURL string, exited <-chan string) error {
	deadline := time.After(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if resp, err := client.Get(healthURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case name := <-exited:
			return fmt.Errorf("%s exited during start-up", name)
		case <-deadline:
			return errors.New("the stack did not become healthy within 60s")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// schoolLogins lists one login of each school role, as the seeder made them.
func schoolLogins(s seed.Summary) string {
	var lines []string
	for _, l := range s.SchoolLogins() {
		lines = append(lines, fmt.Sprintf("  school %-10s %s", strings.Fields(l.What)[0], l.Email))
	}
	return strings.Join(lines, "\n")
}
