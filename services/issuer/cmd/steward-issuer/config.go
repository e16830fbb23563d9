package main

import (
	"errors"
	"fmt"
	"strings"

	"steward.dev/platform/envconfig"
	"steward.dev/services/issuer/idp"
)

// cliClientID is the public client the steward CLI signs in with.
const cliClientID = "steward-cli"

// config is the command's environment, parsed.
type config struct {
	addr        string
	issuer      string
	audience    string
	databaseURL string
	clients     []idp.Client
}

// loadConfig reads the environment through getenv, so tests need not
// touch the process environment.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		addr:        envOr(getenv, entry.AddrEnv(), entry.Addr()),
		issuer:      envOr(getenv, "OIDC_ISSUER", envconfig.DefaultOIDCIssuer),
		audience:    envOr(getenv, "OIDC_AUDIENCE", envconfig.DefaultOIDCAudience),
		databaseURL: getenv("APP_DATABASE_URL"),
	}
	if cfg.databaseURL == "" {
		return config{}, errors.New("APP_DATABASE_URL is required")
	}
	confidential, err := parseClients(getenv("ISSUER_CLIENTS"))
	if err != nil {
		return config{}, fmt.Errorf("ISSUER_CLIENTS: %w", err)
	}
	cfg.clients = append([]idp.Client{{ID: cliClientID, GrantTypes: []string{idp.GrantPassword}}}, confidential...)
	return cfg, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parseClients parses comma-separated "id:secret" pairs into confidential
// clients allowed the client_credentials grant. The secret may contain
// ':'; the ID may not.
func parseClients(s string) ([]idp.Client, error) {
	var clients []idp.Client
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, secret, ok := strings.Cut(entry, ":")
		if !ok || id == "" || secret == "" {
			// Never echo the entry: it holds a secret.
			return nil, fmt.Errorf("entry %d is not id:secret", len(clients)+1)
		}
		clients = append(clients, idp.Client{ID: id, Secret: secret, GrantTypes: []string{idp.GrantClientCredentials}})
	}
	return clients, nil
}

// clientIDs lists the registered clients, for logging without secrets.
func (c config) clientIDs() []string {
	ids := make([]string, len(c.clients))
	for i, cl := range c.clients {
		ids[i] = cl.ID
	}
	return ids
}
