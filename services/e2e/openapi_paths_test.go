package e2e_test

import (
	"regexp"
	"strings"
)

// expandedVariable is one "collection/{id}" pair of an expanded path, as
// protoc-gen-openapiv2 writes it with expand_slashed_path_patterns:
// /v1/tenants/{tenant}/homes/{home}/assets.
var expandedVariable = regexp.MustCompile(`^\{([^}]+)\}(:.*)?$`)

// collapseNamePaths rewrites the document's expanded paths into one path
// parameter per resource name, /v1/{home}/assets with the pattern
// "tenants/[^/]+/homes/[^/]+", which is what the sweep fills with whole
// names (well-formed, broken, another tenant's). The URLs it sends are the
// same either way.
func (sp *sweepSpec) collapseNamePaths() {
	paths := make(map[string]map[string]sweepSpecOp, len(sp.Paths))
	for template, methods := range sp.Paths {
		collapsed, names := collapseNamePath(template)
		for method, op := range methods {
			var params []sweepParam
			for _, p := range op.Parameters {
				if p.In != "path" {
					params = append(params, p)
				}
			}
			for _, n := range names {
				params = append(params, sweepParam{Name: n.param, In: "path", Type: "string", Pattern: n.pattern})
			}
			op.Parameters = params
			methods[method] = op
		}
		paths[collapsed] = methods
	}
	sp.Paths = paths
}

type namePathParam struct{ param, pattern string }

func collapseNamePath(template string) (string, []namePathParam) {
	segs := strings.Split(strings.TrimPrefix(template, "/"), "/")
	var out []string
	var params []namePathParam
	var run []string // the pattern of the name being collapsed
	for i := 0; i < len(segs); i++ {
		if i+1 < len(segs) {
			if m := expandedVariable.FindStringSubmatch(segs[i+1]); m != nil {
				run = append(run, segs[i], "[^/]+")
				i++
				if m[2] == "" && i+1 < len(segs) {
					if next := i + 2; next < len(segs) && expandedVariable.MatchString(segs[next]) {
						continue // the name goes on: tenants/{tenant}/homes/{home}
					}
				}
				params = append(params, namePathParam{param: m[1], pattern: strings.Join(run, "/")})
				out = append(out, "{"+m[1]+"}"+m[2])
				run = nil
				continue
			}
		}
		out = append(out, segs[i])
	}
	return "/" + strings.Join(out, "/"), params
}
