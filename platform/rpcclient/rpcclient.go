// Package rpcclient is how one Steward service calls another. There are two
// ways to be allowed, and the package picks by the context of the call:
//
//   - Relay. A call made while serving a request carries that request's
//     credentials: the caller's own bearer token (and, for a service
//     principal, its x-steward-tenant). The downstream authenticates the
//     token, resolves the membership and checks the permission exactly as it
//     does for a partner calling it directly, so no service can do for a user
//     what the user could not do themselves.
//   - Service identity. A call made outside any request (a background job)
//     uses the service's own client-credentials token from the issuer. Such a
//     principal is never confused with a user, must name the one tenant it
//     acts for (ForTenant), and may call only RPCs whose permission is
//     granted to services (platform/access); anything else is refused with
//     PERMISSION_DENIED.
//
// Either way the deadline travels with the context (gRPC sends it as
// grpc-timeout) and the request id of the request being served is passed on
// as x-request-id, so one id names the work across services in the logs.
package rpcclient

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"steward.dev/platform/access"
	"steward.dev/platform/authn"
	"steward.dev/platform/scope"
)

// requestIDKey is the metadata key of the request id, as the servers' access
// log reads it (platform/grpcserver).
const requestIDKey = "x-request-id"

// ClientCredentials name a service's OAuth client at the issuer: the ids in
// the issuer's ISSUER_CLIENTS, and in every service's SERVICE_CLIENTS.
type ClientCredentials struct {
	// TokenURL is the issuer's token endpoint (the development issuer's is
	// OIDC_ISSUER + "/token").
	TokenURL     string
	ClientID     string
	ClientSecret string
}

// ServiceIdentity holds a service's client-credentials tokens, fetched from
// the issuer when first needed and reused until shortly before they expire.
type ServiceIdentity struct {
	tokens oauth2.TokenSource
}

// NewServiceIdentity returns the identity of the client creds names.
func NewServiceIdentity(creds ClientCredentials) *ServiceIdentity {
	cfg := clientcredentials.Config{
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, TokenURL: creds.TokenURL,
		AuthStyle: oauth2.AuthStyleInHeader, // client_secret_basic: the secret stays out of the body
	}
	// The token source outlives any one call, so it must not carry a call's
	// context (which would cancel every later refresh).
	return &ServiceIdentity{tokens: cfg.TokenSource(context.Background())}
}

// AccessToken returns a current token of the identity, fetching one if none
// is cached or it is about to expire.
func (s *ServiceIdentity) AccessToken() (string, error) {
	tok, err := s.tokens.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Options configure a connection.
type Options struct {
	// Identity is used for calls made outside a request (ForTenant). Nil
	// means this connection only relays.
	Identity *ServiceIdentity
	// DialOptions are added to the defaults (insecure transport, for the
	// loopback and in-cluster addresses services dial).
	DialOptions []grpc.DialOption
}

// Dial returns a connection to the service at target whose calls carry
// credentials as the package describes.
func Dial(target string, opts Options) (*grpc.ClientConn, error) {
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(credentialsInterceptor(opts.Identity)),
	}, opts.DialOptions...)
	return grpc.NewClient(target, dial...)
}

type tenantKey struct{}

// ForTenant returns a context for a call made outside any request, with the
// service's own identity, acting for tenant. Without it such a call sends no
// tenant and is refused downstream (PERMISSION_DENIED,
// SERVICE_TENANT_REQUIRED).
func ForTenant(ctx context.Context, tenant uuid.UUID) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// Errors returned before anything is sent.
var (
	ErrNoCredentials = errors.New("rpcclient: no request to relay and no service identity for this connection")
	ErrRelayAndJob   = errors.New("rpcclient: ForTenant is for calls outside a request; while serving one, its credentials are relayed")
	ErrNoRelayToken  = errors.New("rpcclient: the request being served carries no bearer token to relay")
)

// keysSet are the metadata keys this package owns on outgoing calls; values
// a caller put there are replaced, never doubled (a server refuses two
// authorization values).
var keysSet = []string{"authorization", access.TenantHeader, requestIDKey}

func credentialsInterceptor(identity *ServiceIdentity) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, err := outgoing(ctx, identity)
		if err != nil {
			return err
		}
		out, _ := metadata.FromOutgoingContext(ctx)
		out = out.Copy()
		for _, k := range keysSet {
			delete(out, k)
		}
		return invoker(metadata.NewOutgoingContext(ctx, metadata.Join(out, md)), method, req, reply, cc, opts...)
	}
}

// outgoing decides the credentials of one call.
func outgoing(ctx context.Context, identity *ServiceIdentity) (metadata.MD, error) {
	md := metadata.MD{}
	if id, ok := scope.RequestIDFrom(ctx); ok {
		md.Set(requestIDKey, id)
	}
	jobTenant, isJob := ctx.Value(tenantKey{}).(uuid.UUID)
	caller, serving := scope.CallerFrom(ctx)
	switch {
	case serving && isJob:
		return nil, ErrRelayAndJob
	case serving:
		token, ok := authn.IncomingBearer(ctx)
		if !ok {
			return nil, ErrNoRelayToken
		}
		md.Set("authorization", "Bearer "+token)
		if caller.IsService() {
			// A service relays its tenant with its token: the downstream
			// checks both again.
			if t, ok := scope.TenantFrom(ctx); ok {
				md.Set(access.TenantHeader, "tenants/"+t.TenantID.String())
			}
		}
	case identity != nil:
		token, err := identity.AccessToken()
		if err != nil {
			return nil, err
		}
		md.Set("authorization", "Bearer "+token)
		if isJob && jobTenant != uuid.Nil {
			md.Set(access.TenantHeader, "tenants/"+jobTenant.String())
		}
	default:
		return nil, ErrNoCredentials
	}
	return md, nil
}
