package edge

import "testing"

func TestIncomingHeaderKeepsBackendMetadataInternal(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{
		"Grpc-Metadata-X-Request-Id":    false,
		"grpc-metadata-authorization":   false,
		"Authorization":                 false, // forwarded by grpc-gateway itself, once
		"Cookie":                        false,
		"X-Request-Id":                  false, // forwarded by requestIDMetadata, validated
		"Accept":                        true,  // permanent headers travel as grpcgateway-*
		"X-Some-Proxy-Header-Of-No-Use": false,
	} {
		if _, got := incomingHeader(key); got != want {
			t.Errorf("%s forwarded = %v, want %v", key, got, want)
		}
	}
}
