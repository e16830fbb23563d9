package edge

import (
	"net/url"
	"testing"
)

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

func TestURLIsUTF8(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"/v1/tenants/abc?pageSize=5&filter=make%20%3D%20%22Bosch%22": true,
		"/v1/tenants/%C3%A9":         true, // é
		"/v1/tenants/%FF":            false,
		"/v1/assetCategories?x=%FF":  false,
		"/v1/assetCategories?%C3%28": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, got := urlIsUTF8(u); got != want {
			t.Errorf("%s: valid = %v, want %v", raw, got, want)
		}
	}
}
