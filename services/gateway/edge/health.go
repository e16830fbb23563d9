package edge

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

const serving = "SERVING"

type healthBody struct {
	Status   string            `json:"status"`
	Backends map[string]string `json:"backends"`
}

// serveHealth reports SERVING only when every backend's standard health
// service says so for the whole server (service ""), so a load balancer stops
// sending traffic the edge could not serve.
func (e *Edge) serveHealth(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	ctx, cancel := context.WithTimeout(r.Context(), e.healthTimeout)
	defer cancel()

	results := make([]string, len(e.conns))
	var wg sync.WaitGroup
	for i, c := range e.conns {
		wg.Go(func() {
			resp, err := grpc_health_v1.NewHealthClient(c.conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{})
			if err != nil {
				// The code name (UNAVAILABLE, DEADLINE_EXCEEDED, UNIMPLEMENTED)
				// says enough; the message would name internal addresses.
				results[i] = code.Code(status.Code(err)).String()
				return
			}
			results[i] = resp.GetStatus().String()
		})
	}
	wg.Wait()

	body := healthBody{Status: serving, Backends: make(map[string]string, len(e.conns))}
	httpStatus := http.StatusOK
	for i, c := range e.conns {
		body.Backends[c.name] = results[i]
		if results[i] != serving {
			body.Status = "NOT_SERVING"
			httpStatus = http.StatusServiceUnavailable
		}
	}
	buf, _ := json.Marshal(body) // a struct of strings always marshals
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(buf)
}
