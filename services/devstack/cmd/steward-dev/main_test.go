package main

import (
	"slices"
	"testing"
)

// TestProcessesComeFromTheCatalog: make run starts every service at its
// default address and tells the gateway where each backend listens, with
// the variable names the binaries read; a service that dials another gets a
// client of the development issuer, whose id every service knows as a
// service principal; the mail sink comes first, so the services' first mail
// finds it, and every service is told where it is.
func TestProcessesComeFromTheCatalog(t *testing.T) {
	t.Parallel()
	secret := func() string { return "s3cret" }
	want := map[string][]string{
		"mailpit":          nil,
		"steward-accounts": {"ACCOUNTS_GRPC_ADDR=127.0.0.1:9100", "SERVICE_CLIENTS=steward-maintenance,steward-invoicing"},
		"steward-issuer":   {"ISSUER_ADDR=127.0.0.1:8081", "ISSUER_CLIENTS=steward-maintenance:s3cret,steward-invoicing:s3cret"},
		"steward-assets":   {"ASSETS_GRPC_ADDR=127.0.0.1:9101", "SERVICE_CLIENTS=steward-maintenance,steward-invoicing"},
		"steward-booking":  {"BOOKING_GRPC_ADDR=127.0.0.1:9102", "SERVICE_CLIENTS=steward-maintenance,steward-invoicing"},
		// Maintenance is told where Accounts and Assets, which it calls, listen, and holds
		// its own client of the issuer.
		"steward-maintenance": {"MAINTENANCE_GRPC_ADDR=127.0.0.1:9103", "ACCOUNTS_GRPC_ADDR=127.0.0.1:9100", "ASSETS_GRPC_ADDR=127.0.0.1:9101",
			"SERVICE_CLIENTS=steward-maintenance,steward-invoicing", "SERVICE_CLIENT_ID=steward-maintenance", "SERVICE_CLIENT_SECRET=s3cret"},
		// Invoicing, where Accounts and Booking listen, with its own client:
		// the billing run reads Booking as the service.
		"steward-invoicing": {"INVOICING_GRPC_ADDR=127.0.0.1:9104", "ACCOUNTS_GRPC_ADDR=127.0.0.1:9100", "BOOKING_GRPC_ADDR=127.0.0.1:9102",
			"SERVICE_CLIENTS=steward-maintenance,steward-invoicing", "SERVICE_CLIENT_ID=steward-invoicing", "SERVICE_CLIENT_SECRET=s3cret"},
		"steward-gateway": {"GATEWAY_ADDR=127.0.0.1:8080", "ACCOUNTS_GRPC_ADDR=127.0.0.1:9100", "ASSETS_GRPC_ADDR=127.0.0.1:9101",
			"BOOKING_GRPC_ADDR=127.0.0.1:9102", "MAINTENANCE_GRPC_ADDR=127.0.0.1:9103", "INVOICING_GRPC_ADDR=127.0.0.1:9104"},
	}
	procs := processes(serviceClients(secret))
	if len(procs) != len(want) || procs[0].name != "mailpit" || procs[len(procs)-1].name != "steward-gateway" {
		t.Fatalf("processes %v: want %d, the mail sink first and the gateway last", procs, len(want))
	}
	if !slices.Contains(procs[0].args, "--ignore-duplicate-ids") || !slices.Contains(procs[0].args, mailSMTPAddr) {
		t.Errorf("mailpit %v: on %s, dropping repeated Message-IDs", procs[0].args, mailSMTPAddr)
	}
	for _, p := range procs {
		if !slices.Equal(p.env, want[p.name]) {
			t.Errorf("%s: env %v, want %v", p.name, p.env, want[p.name])
		}
	}
	if got, want := grpcAddrs(), "accounts 127.0.0.1:9100, assets 127.0.0.1:9101, booking 127.0.0.1:9102, maintenance 127.0.0.1:9103, invoicing 127.0.0.1:9104"; got != want {
		t.Errorf("grpcAddrs() = %q, want %q", got, want)
	}
	if got := issuerURL(); got != "http://127.0.0.1:8081" {
		t.Errorf("issuerURL() = %q", got)
	}
}
