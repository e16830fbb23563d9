package grpcserver

import (
	"testing"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestRequestMessagesAreEveryMethodsInput: the validator is warmed with the
// request message of every method of a registered service; a service whose
// descriptor is not registered adds none (it is validated lazily).
func TestRequestMessagesAreEveryMethodsInput(t *testing.T) {
	got := map[string]bool{}
	for _, m := range requestMessages([]Service{{Desc: &healthpb.Health_ServiceDesc}, {Desc: &grpc.ServiceDesc{ServiceName: "no.such.Service"}}}) {
		got[string(m.FullName())] = true
	}
	if !got["grpc.health.v1.HealthCheckRequest"] || !got["grpc.health.v1.HealthListRequest"] || len(got) != 2 {
		t.Errorf("request messages %v, want Health's HealthCheckRequest and HealthListRequest only", got)
	}
}
