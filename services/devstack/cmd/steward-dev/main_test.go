package main

import (
	"slices"
	"testing"
)

// TestProcessesComeFromTheCatalog: make run starts every service at its
// default address and tells the gateway where each backend listens, with
// the variable names the binaries read; the mail sink comes first, so the
// services' first mail finds it.
func TestProcessesComeFromTheCatalog(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"mailpit":          nil,
		"steward-accounts": {"ACCOUNTS_GRPC_ADDR=127.0.0.1:9100"},
		"steward-issuer":   {"ISSUER_ADDR=127.0.0.1:8081"},
		"steward-assets":   {"ASSETS_GRPC_ADDR=127.0.0.1:9101"},
		"steward-booking":  {"BOOKING_GRPC_ADDR=127.0.0.1:9102"},
		"steward-gateway": {"GATEWAY_ADDR=127.0.0.1:8080", "ACCOUNTS_GRPC_ADDR=127.0.0.1:9100", "ASSETS_GRPC_ADDR=127.0.0.1:9101",
			"BOOKING_GRPC_ADDR=127.0.0.1:9102"},
	}
	procs := processes()
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
	if got, want := grpcAddrs(), "accounts 127.0.0.1:9100, assets 127.0.0.1:9101, booking 127.0.0.1:9102"; got != want {
		t.Errorf("grpcAddrs() = %q, want %q", got, want)
	}
	if got := issuerURL(); got != "http://127.0.0.1:8081" {
		t.Errorf("issuerURL() = %q", got)
	}
}
