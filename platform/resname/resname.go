// Package resname parses AIP resource names such as
// "tenants/{tenant}/homes/{home}/assets/{asset}".
package resname

import (
	"strings"

	"github.com/google/uuid"

	"steward.dev/platform/apierror"
)

// Parse matches name against collection identifiers (e.g. "tenants",
// "homes") and returns the ids, one per collection. Wildcards ("-") are
// accepted where allowWildcard is true and come back as uuid.Nil. field names
// the request field for the error.
func Parse(field, name string, allowWildcard bool, collections ...string) ([]uuid.UUID, error) {
	parts := strings.Split(name, "/")
	if len(parts) != 2*len(collections) {
		return nil, bad(field, collections)
	}
	ids := make([]uuid.UUID, len(collections))
	for i, c := range collections {
		if parts[2*i] != c {
			return nil, bad(field, collections)
		}
		seg := parts[2*i+1]
		if seg == "-" && allowWildcard {
			continue
		}
		id, err := uuid.Parse(seg)
		// The nil UUID is how a wildcard comes back, so it cannot also be an id.
		if err != nil || len(seg) != 36 || id == uuid.Nil {
			return nil, bad(field, collections)
		}
		ids[i] = id
	}
	return ids, nil
}

func bad(field string, collections []string) error {
	var b strings.Builder
	for i, c := range collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c + "/{" + strings.TrimSuffix(c, "s") + "}")
	}
	return apierror.InvalidField(field, "must be a resource name like "+b.String())
}
