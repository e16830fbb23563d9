package main

import (
	"slices"
	"strings"
	"testing"

	"steward.dev/services/issuer/idp"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		env         map[string]string
		wantErr     string
		wantAddr    string
		wantClients []idp.Client
	}{
		{
			name:     "defaults",
			env:      map[string]string{"APP_DATABASE_URL": "postgres://x"},
			wantAddr: "127.0.0.1:8081",
			wantClients: []idp.Client{
				{ID: "steward-cli", GrantTypes: []string{idp.GrantPassword}},
			},
		},
		{
			name: "confidential clients",
			env: map[string]string{
				"APP_DATABASE_URL": "postgres://x",
				"ISSUER_ADDR":      ":9000",
				"ISSUER_CLIENTS":   " reporter:s3:cret , billing:pw,",
			},
			wantAddr: ":9000",
			wantClients: []idp.Client{
				{ID: "steward-cli", GrantTypes: []string{idp.GrantPassword}},
				{ID: "reporter", Secret: "s3:cret", GrantTypes: []string{idp.GrantClientCredentials}},
				{ID: "billing", Secret: "pw", GrantTypes: []string{idp.GrantClientCredentials}},
			},
		},
		{name: "no database", env: map[string]string{}, wantErr: "APP_DATABASE_URL"},
		{name: "client without secret", env: map[string]string{"APP_DATABASE_URL": "x", "ISSUER_CLIENTS": "a:hunter2,lonely"}, wantErr: "entry 2"},
		{name: "client without id", env: map[string]string{"APP_DATABASE_URL": "x", "ISSUER_CLIENTS": ":hunter2"}, wantErr: "entry 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q echoes a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.addr != tc.wantAddr || cfg.issuer != "http://127.0.0.1:8081" || cfg.audience != "steward" {
				t.Errorf("addr, issuer, audience = %q, %q, %q", cfg.addr, cfg.issuer, cfg.audience)
			}
			if !slices.EqualFunc(cfg.clients, tc.wantClients, func(a, b idp.Client) bool {
				return a.ID == b.ID && a.Secret == b.Secret && slices.Equal(a.GrantTypes, b.GrantTypes)
			}) {
				t.Errorf("clients = %+v, want %+v", cfg.clients, tc.wantClients)
			}
		})
	}
}
