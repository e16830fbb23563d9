package authn

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"
)

// IncomingBearer returns the bearer token of the gRPC request being served:
// exactly one "authorization: Bearer <token>" value (scheme in any case).
// Two values are refused rather than one picked, so a proxy that appends a
// header cannot make the server and a relaying client read different
// tokens. The server authenticates with it, and platform/rpcclient relays
// the same token downstream.
func IncomingBearer(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get("authorization")
	if len(v) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(v[0], " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return token, true
}
