package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"steward.dev/platform/access"
	"steward.dev/platform/apierror"
	"steward.dev/platform/authn"
	"steward.dev/platform/resname"
	"steward.dev/platform/scope"
)

// requestInfo is filled in by inner interceptors for the access log.
type requestInfo struct {
	id         string
	caller     string
	tenant     string
	unexpected error
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// recovery turns a panic into INTERNAL so that no panic reaches a client or
// kills the process.
func recovery(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				panicErr := fmt.Errorf("panic: %v", r)
				infoFrom(ctx).unexpected = panicErr
				st, _ := apierror.FromError(panicErr) // INTERNAL with its ErrorInfo, nothing of the panic
				resp, err = nil, st.Err()
			}
		}()
		return handler(ctx, req)
	}
}

func streamRecovery(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// logging assigns the request id, echoes it in the response header and writes
// one access-log line per call.
func logging(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ri := &requestInfo{id: incomingRequestID(ctx)}
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", ri.id))
		resp, err := handler(scope.WithRequestID(context.WithValue(ctx, infoKey{}, ri), ri.id), req)
		code := status.Code(err)
		level := slog.LevelInfo
		if strings.HasPrefix(info.FullMethod, "/grpc.health.v1.Health/") {
			level = slog.LevelDebug // probes every few seconds would drown the log
		}
		if ri.unexpected != nil {
			level = slog.LevelError
		}
		if logger.Enabled(ctx, level) {
			attrs := []slog.Attr{
				slog.String("method", info.FullMethod), slog.String("code", code.String()),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", ri.id),
			}
			if ri.caller != "" {
				attrs = append(attrs, slog.String("user", ri.caller))
			}
			if ri.tenant != "" {
				attrs = append(attrs, slog.String("tenant", ri.tenant))
			}
			if ri.unexpected != nil {
				attrs = append(attrs, slog.String("error", ri.unexpected.Error()))
			}
			logger.LogAttrs(ctx, level, "rpc", attrs...)
		}
		return resp, err
	}
}

func incomingRequestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("x-request-id"); len(v) > 0 && len(v[0]) > 0 && len(v[0]) <= 128 {
			return v[0]
		}
	}
	return uuid.NewString()
}

// translateErrors is the one place where errors become statuses.
func translateErrors(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err == nil {
		return resp, nil
	}
	st, unexpected := apierror.FromError(err)
	if unexpected {
		infoFrom(ctx).unexpected = err
	}
	return nil, st.Err()
}

// defaultDeadline bounds calls whose client set no deadline.
func defaultDeadline(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return handler(ctx, req)
	}
}

// authenticate requires a valid bearer token on every Steward RPC but the
// anonymous ones, which ignore any token sent. Infrastructure services
// (health, reflection) declare no policy and are open.
func authenticate(a *authn.Authenticator, policies access.Policies) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if p, ok := policies[info.FullMethod]; !ok || p.AnonymousBecause != "" {
			return handler(ctx, req)
		}
		raw, ok := authn.IncomingBearer(ctx)
		if !ok {
			return nil, apierror.Unauthenticated("missing bearer token: send \"authorization: Bearer <access token>\"")
		}
		caller, err := a.Authenticate(ctx, raw)
		if errors.Is(err, authn.ErrUnauthenticated) {
			return nil, apierror.Unauthenticated("invalid or expired access token")
		}
		if err != nil {
			return nil, err
		}
		switch {
		case caller.IsService():
			infoFrom(ctx).caller = "service:" + caller.ClientID
		case caller.UserID != uuid.Nil:
			infoFrom(ctx).caller = caller.UserID.String()
		default:
			infoFrom(ctx).caller = caller.Subject
		}
		return handler(scope.WithCaller(ctx, caller), req)
	}
}

// scopeTenant puts the tenant the request names, and the caller's standing in
// it, into the context. A caller who is not a member learns nothing: the
// answer is NOT_FOUND for the very name they sent.
func scopeTenant(members *access.Members, policies access.Policies) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		p, ok := policies[info.FullMethod]
		if !ok {
			return handler(ctx, req)
		}
		if p.AnonymousBecause != "" {
			return scopeAnonymous(ctx, members, p, req, handler)
		}
		caller, _ := scope.CallerFrom(ctx)
		if caller.IsService() {
			return scopeService(ctx, members, p, req, handler)
		}
		if p.TenantField == nil {
			return handler(ctx, req)
		}
		name, tenantID, err := requestTenant(p, req)
		if err != nil {
			return nil, err
		}
		t, member, err := members.Resolve(ctx, caller.UserID, tenantID)
		if err != nil {
			return nil, err
		}
		if !member {
			return nil, apierror.NotFound(name)
		}
		infoFrom(ctx).tenant = tenantID.String()
		return handler(scope.WithTenant(ctx, t), req)
	}
}

// scopeService scopes a service principal's call to the tenant it names in
// access.TenantHeader, on every RPC, tenant-scoped or not: a service always acts
// for exactly one tenant. The tenant must exist, and a request naming
// another tenant is NOT_FOUND, as it is for a non-member.
func scopeService(ctx context.Context, members *access.Members, p access.Policy, req any, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get(access.TenantHeader)
	if len(v) != 1 {
		return nil, &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonServiceTenantRequired,
			Message: "a service must name the one tenant it acts for in " + access.TenantHeader + " metadata (tenants/{tenant})"}
	}
	headerTenant, ok := access.TenantOf(v[0])
	if !ok || v[0] != "tenants/"+headerTenant.String() {
		return nil, &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonServiceTenantRequired,
			Message: access.TenantHeader + " must be exactly tenants/{tenant}"}
	}
	if p.TenantField != nil {
		name, tenantID, err := requestTenant(p, req)
		if err != nil {
			return nil, err
		}
		if tenantID != headerTenant {
			return nil, apierror.NotFound(name)
		}
	}
	t, exists, err := members.ResolveService(ctx, headerTenant)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, apierror.NotFound(v[0])
	}
	infoFrom(ctx).tenant = headerTenant.String()
	return handler(scope.WithTenant(ctx, t), req)
}

// scopeAnonymous scopes an anonymous RPC to the tenant it names, which must
// exist, with no roles: the service checks the request's own credential
// (such as a secret token) in that tenant.
func scopeAnonymous(ctx context.Context, members *access.Members, p access.Policy, req any, handler grpc.UnaryHandler) (any, error) {
	name, tenantID, err := requestTenant(p, req)
	if err != nil {
		return nil, err
	}
	t, exists, err := members.ResolveService(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, apierror.NotFound(name)
	}
	infoFrom(ctx).tenant = tenantID.String()
	return handler(scope.WithTenant(ctx, t), req)
}

// requestTenant reads the tenant the request names in its policy's field.
func requestTenant(p access.Policy, req any) (string, uuid.UUID, error) {
	msg, ok := req.(proto.Message)
	if !ok {
		return "", uuid.Nil, fmt.Errorf("request %T is not a proto message", req)
	}
	name := p.ResourceName(msg)
	tenantID, ok := access.TenantOf(name)
	if !ok {
		return "", uuid.Nil, apierror.InvalidField(p.FieldPath, "must be a resource name starting with tenants/{tenant}")
	}
	return name, tenantID, nil
}

// validate enforces the protovalidate rules declared in the contract and
// the resource name patterns of its resources.
func validate(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		msg, ok := req.(proto.Message)
		if !ok {
			return handler(ctx, req)
		}
		violations := resname.Violations(msg) // resource names against their patterns
		if err := v.Validate(msg); err != nil {
			var verr *protovalidate.ValidationError
			if !errors.As(err, &verr) {
				return nil, fmt.Errorf("validate %s: %w", info.FullMethod, err)
			}
			for _, viol := range verr.Violations {
				violations = append(violations, apierror.FieldViolation{
					Field:       violationField(viol),
					Description: viol.Proto.GetMessage(),
				})
			}
		}
		if len(violations) > 0 {
			return nil, apierror.InvalidArgument(violations...)
		}
		return handler(ctx, req)
	}
}

// violationField names the field a violation is about. A message-level rule
// (one that must see several fields, such as "required on create") has no
// field path of its own; by convention its id names the field it guards,
// then a dash and the rule: "home.display_name-required". (buf lint allows
// only letters, digits, ".", "_" and "-" in ids, and field names have no "-".)
func violationField(viol *protovalidate.Violation) string {
	if f := protovalidate.FieldPathString(viol.Proto.GetField()); f != "" {
		return f
	}
	if f, _, ok := strings.Cut(viol.Proto.GetRuleId(), "-"); ok {
		return f
	}
	return ""
}

// authorize checks the RPC's declared permission: a user must hold it
// through a role in the tenant (the tables of platform/access), a service
// principal must have been granted it. RPCs without a permission are open to
// any authenticated caller.
func authorize(policies access.Policies) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		p, ok := policies[info.FullMethod]
		if !ok || p.Permission == "" {
			return handler(ctx, req)
		}
		t, ok := scope.TenantFrom(ctx)
		if !ok {
			return nil, errors.New("authorize: tenant-scoped RPC without a scope")
		}
		method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
		caller, _ := scope.CallerFrom(ctx)
		switch {
		case caller.IsService():
			if !access.GrantedToServices(p.Permission) {
				return nil, apierror.PermissionDenied(fmt.Sprintf("services are not granted %s, which %s needs; call it while serving a user, with the user's credentials", p.Permission, method))
			}
		case caller.Kind == scope.KindUser:
			if !access.RolesAllow(t.Kind, t.Roles, p.Permission) {
				return nil, apierror.PermissionDenied("your roles in this tenant do not allow " + method)
			}
		default:
			return nil, errors.New("authorize: caller of unknown kind")
		}
		return handler(ctx, req)
	}
}
