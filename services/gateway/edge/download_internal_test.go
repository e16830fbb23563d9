package edge

import "testing"

func TestOutgoingHeaderPassesOnlyContentDisposition(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"content-disposition": "Content-Disposition",
		"x-request-id":        "", // set by forwardHeaders, validated
		"content-type":        "", // the response's own, from HttpBody
		"set-cookie":          "",
		"x-internal-detail":   "",
	} {
		if got, ok := outgoingHeader(key); got != want || ok != (want != "") {
			t.Errorf("%s → %q, %v; want %q", key, got, ok, want)
		}
	}
}
