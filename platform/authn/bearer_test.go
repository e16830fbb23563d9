package authn_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/metadata"

	"steward.dev/platform/authn"
)

func TestIncomingBearer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header []string
		want   string
		ok     bool
	}{
		{[]string{"Bearer abc.def.ghi"}, "abc.def.ghi", true},
		{[]string{"bearer abc"}, "abc", true},
		{nil, "", false},
		{[]string{"Basic dXNlcjpwdw=="}, "", false},
		{[]string{"Bearer "}, "", false},
		{[]string{"Bearer   "}, "", false},
		{[]string{"Bearer a", "Bearer b"}, "", false}, // ambiguous: refuse rather than pick one
	} {
		md := metadata.MD{}
		for _, v := range tc.header {
			md.Append("authorization", v)
		}
		got, ok := authn.IncomingBearer(metadata.NewIncomingContext(context.Background(), md))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}
