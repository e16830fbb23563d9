package edge

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	typev1 "steward.dev/gen/go/steward/type/v1"
)

// routeLimits maps a route ("POST /v1/{parent=tenants/*}/homes", as the
// gateway's runtime.Pattern prints it) to the body limit its RPC declares
// with (steward.type.v1.max_request_body_bytes).
type routeLimits map[string]int64

// declaredBodyLimits reads the body limit of every route of every steward.*
// service in the registry. Routes of services this edge does not serve are
// simply never matched.
func declaredBodyLimits() (routeLimits, error) {
	var methods []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "steward.") {
			for i := range fd.Services().Len() {
				sd := fd.Services().Get(i)
				for j := range sd.Methods().Len() {
					methods = append(methods, sd.Methods().Get(j))
				}
			}
		}
		return true
	})
	limits := routeLimits{}
	for _, md := range methods {
		opts, _ := md.Options().(*descriptorpb.MethodOptions)
		if opts == nil || !proto.HasExtension(opts, typev1.E_MaxRequestBodyBytes) {
			continue
		}
		limit := proto.GetExtension(opts, typev1.E_MaxRequestBodyBytes).(int64)
		if limit <= 0 {
			return nil, fmt.Errorf("edge: %s declares a body limit of %d bytes", md.FullName(), limit)
		}
		rule, _ := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule)
		if rule == nil {
			return nil, fmt.Errorf("edge: %s declares a body limit but has no HTTP route", md.FullName())
		}
		for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
			method, path := httpRoute(r)
			limits[method+" "+canonicalTemplate(path)] = limit
		}
	}
	return limits, nil
}

// httpRoute returns the HTTP method and path template of one binding.
func httpRoute(r *annotations.HttpRule) (method, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// bareVariable matches a path variable without a template, "{name}".
var bareVariable = regexp.MustCompile(`\{([^}=]+)\}`)

// canonicalTemplate spells a path template the way runtime.Pattern.String
// prints the compiled pattern: "{name}" becomes "{name=*}".
func canonicalTemplate(path string) string {
	return bareVariable.ReplaceAllString(path, "{$1=*}")
}

// limitBody is a mux middleware: by then the route is known, so the body
// gets the limit its RPC declares, or the edge's default.
func (e *Edge) limitBody(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if r.Body == nil || r.Body == http.NoBody { // GETs and DELETEs: nothing to limit, no route to look up
			next(w, r, params)
			return
		}
		limit := e.maxBodyBytes
		if pat, ok := runtime.HTTPPattern(r.Context()); ok {
			if declared, ok := e.routeLimits[r.Method+" "+pat.String()]; ok {
				limit = declared
			}
		}
		st := stateFrom(r.Context())
		st.maxBodyBytes = limit
		if r.ContentLength > limit {
			st.bodyTooLarge = true
			e.writeError(r.Context(), w, r, tooLargeError(limit))
			return
		}
		r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), state: st}
		next(w, r, params)
	}
}
