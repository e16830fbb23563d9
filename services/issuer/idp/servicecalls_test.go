package idp_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"steward.dev/platform/authn"
	"steward.dev/platform/rpcclient"
	"steward.dev/platform/scope"
)

// TestClientCredentialsTokenIsAServicePrincipal: what a service's
// rpcclient.ServiceIdentity fetches from this issuer (ISSUER_CLIENTS)
// authenticates as a service principal at a Steward service configured with
// the same client id (SERVICE_CLIENTS), and is never looked up as a user,
// even when a user's subject equals the client's; a password-grant token
// stays a user's.
func TestClientCredentialsTokenIsAServicePrincipal(t *testing.T) {
	t.Parallel()
	ts := startIssuer(t, nil)
	ctx := context.Background()
	lookups := 0
	namesake := uuid.New() // a person whose subject is the client's id
	auth := authn.New(authn.Config{Issuer: ts.URL, Audience: audience, ServiceClients: []string{svcClient}},
		func(_ context.Context, id authn.Identity) (uuid.UUID, error) {
			subject := id.Subject
			lookups++
			if subject == svcClient {
				return namesake, nil
			}
			return uuid.New(), nil
		})

	identity := rpcclient.NewServiceIdentity(rpcclient.ClientCredentials{TokenURL: ts.URL + "/token", ClientID: svcClient, ClientSecret: svcSecret})
	raw, err := identity.AccessToken()
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.Authenticate(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsService() || c.ClientID != svcClient || c.UserID != uuid.Nil || lookups != 0 {
		t.Errorf("client-credentials caller %+v after %d user lookups; want service %s, no account, no lookup", c, lookups, svcClient)
	}
	if again, err := identity.AccessToken(); err != nil || again != raw {
		t.Errorf("second AccessToken = %v; want the cached token", err)
	}

	_, reply := postToken(t, ts, passwordForm("alice@example.com", alicePassword), nil)
	c, err = auth.Authenticate(ctx, reply.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != scope.KindUser || c.ClientID != cliClient || c.UserID == uuid.Nil {
		t.Errorf("password-grant caller %+v; want a user through %s", c, cliClient)
	}
}
