// Package resname gives the resource names of the contract a type: a Pattern
// is read from a message's google.api.resource option, so a name is spelled
// once, in the proto, and parsed, formatted and validated from there.
//
// Patterns are alternating collection ids and variables
// ("tenants/{tenant}/homes/{home}"), optionally ending in the literal name of
// a singleton (AIP-156: "tenants/{tenant}/settings"); every variable is a lowercase canonical
// UUID, or "-" where the pattern allows a wildcard (AIP-159), except the
// resource's own id where its message declares another syntax
// (steward.type.v1.resource_id, for slugs such as a category's).
package resname

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	typev1 "steward.dev/gen/go/steward/type/v1"
	"steward.dev/platform/apierror"
)

// idSegment is what a variable holds: a UUID as uuid.UUID.String writes it.
const idSegment = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// Wildcard is the segment that stands for any id (AIP-159).
const Wildcard = "-"

// Pattern is one resource name pattern.
type Pattern struct {
	text        string
	collections []string // the literal before each variable
	variables   []string
	segments    []string // what each variable matches, a regexp
	wildcards   []string
	// singleton is the literal last segment of a singleton's pattern
	// ("settings"); empty for a collection's.
	singleton string
	re        *regexp.Regexp
}

// Of returns the pattern of the resource message m (its first pattern). A
// message without a google.api.resource option is a programming error.
func Of(m proto.Message) Pattern {
	p, err := fromDescriptor(m.ProtoReflect().Descriptor())
	if err != nil {
		panic(err)
	}
	return p
}

func fromDescriptor(md protoreflect.MessageDescriptor) (Pattern, error) {
	res, _ := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if len(res.GetPattern()) == 0 {
		return Pattern{}, fmt.Errorf("resname: %s has no google.api.resource pattern", md.FullName())
	}
	p, err := parsePattern(res.GetPattern()[0])
	if err != nil {
		return Pattern{}, err
	}
	if ids, _ := proto.GetExtension(md.Options(), typev1.E_ResourceId).(*typev1.ResourceIDRules); ids.GetPattern() != "" {
		if _, err := regexp.Compile(ids.GetPattern()); err != nil {
			return Pattern{}, fmt.Errorf("resname: %s: id pattern: %w", md.FullName(), err)
		}
		p.segments[len(p.segments)-1] = "(?:" + ids.GetPattern() + ")"
		p.compile()
	}
	return p, nil
}

func parsePattern(text string) (Pattern, error) {
	segs := strings.Split(text, "/")
	p := Pattern{text: text}
	if len(segs)%2 != 0 {
		p.singleton = segs[len(segs)-1]
		segs = segs[:len(segs)-1]
		if len(segs) == 0 || p.singleton == "" || strings.ContainsAny(p.singleton, "{}") {
			return Pattern{}, fmt.Errorf("resname: pattern %q is not collection/{variable} pairs", text)
		}
	}
	for i := 0; i < len(segs); i += 2 {
		v, ok := strings.CutPrefix(segs[i+1], "{")
		v, ok2 := strings.CutSuffix(v, "}")
		if !ok || !ok2 || v == "" || strings.ContainsAny(segs[i], "{}") {
			return Pattern{}, fmt.Errorf("resname: pattern %q is not collection/{variable} pairs", text)
		}
		p.collections = append(p.collections, segs[i])
		p.variables = append(p.variables, v)
		p.segments = append(p.segments, idSegment)
	}
	p.compile()
	return p, nil
}

func (p *Pattern) compile() {
	var b strings.Builder
	b.WriteByte('^')
	for i, c := range p.collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(regexp.QuoteMeta(c) + "/")
		if slices.Contains(p.wildcards, p.variables[i]) {
			b.WriteString("(" + p.segments[i] + "|-)")
		} else {
			b.WriteString(p.segments[i])
		}
	}
	if p.singleton != "" {
		b.WriteString("/" + regexp.QuoteMeta(p.singleton))
	}
	b.WriteByte('$')
	p.re = regexp.MustCompile(b.String())
}

// WithWildcards returns p accepting "-" for the named variables.
func (p Pattern) WithWildcards(variables ...string) Pattern {
	for _, v := range variables {
		p.index(v) // a variable the pattern lacks is a programming error
	}
	p.wildcards = slices.Concat(p.wildcards, variables)
	p.segments = slices.Clone(p.segments)
	p.compile()
	return p
}

// String returns the pattern as written in the contract.
func (p Pattern) String() string { return p.text }

// Regexp returns the regular expression a name of p matches.
func (p Pattern) Regexp() string { return p.re.String() }

// Matches reports whether name is a name of p.
func (p Pattern) Matches(name string) bool {
	// The nil UUID is never an id (ids are minted as UUIDv7), and naming it
	// stays the client's mistake rather than a NOT_FOUND.
	return p.re.MatchString(name) && !strings.Contains(name, nilIDSegment)
}

// nilIDSegment is the nil UUID as a name segment.
var nilIDSegment = "/" + uuid.Nil.String()

func (p Pattern) index(variable string) int {
	i := slices.Index(p.variables, variable)
	if i < 0 {
		panic(fmt.Sprintf("resname: pattern %s has no variable %q", p.text, variable))
	}
	return i
}

// Format writes the name with ids, one per variable in the pattern's order
// (as AIP client libraries' path helpers do).
func (p Pattern) Format(ids ...uuid.UUID) string {
	segs := make([]string, len(ids))
	for i, id := range ids {
		segs[i] = id.String()
	}
	return p.FormatIDs(segs...)
}

// FormatIDs is Format for ids that are not all UUIDs, such as slugs.
func (p Pattern) FormatIDs(ids ...string) string {
	if len(ids) != len(p.variables) {
		panic(fmt.Sprintf("resname: pattern %s takes %d ids, got %d", p.text, len(p.variables), len(ids)))
	}
	var b strings.Builder
	for i, c := range p.collections {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(c + "/" + ids[i])
	}
	if p.singleton != "" {
		b.WriteString("/" + p.singleton)
	}
	return b.String()
}

// Parse reads name as a name of p. A mismatch is INVALID_ARGUMENT on field,
// worded as the contract's other pattern rules are.
func (p Pattern) Parse(field, name string) (Name, error) {
	if !p.Matches(name) {
		return Name{}, apierror.InvalidArgument(p.violation(field))
	}
	segs := strings.Split(name, "/")
	n := Name{pattern: p, segs: make([]string, len(p.variables)), ids: make([]uuid.UUID, len(p.variables))}
	for i := range p.variables {
		n.segs[i] = segs[2*i+1]
		if n.segs[i] != Wildcard && p.segments[i] == idSegment {
			n.ids[i] = uuid.MustParse(n.segs[i]) // the regexp admits only UUIDs
		}
	}
	return n, nil
}

func (p Pattern) violation(field string) apierror.FieldViolation {
	return apierror.FieldViolation{Field: field, Description: "value does not match regex pattern `" + p.re.String() + "`"}
}

// Name is a parsed resource name.
type Name struct {
	pattern Pattern
	segs    []string
	ids     []uuid.UUID
}

// ID returns the UUID the name holds for variable ("home"); uuid.Nil where
// it holds the wildcard, or an id that is not a UUID (see IDText).
func (n Name) ID(variable string) uuid.UUID { return n.ids[n.pattern.index(variable)] }

// IDText returns the id the name holds for variable as written, such as a
// slug.
func (n Name) IDText(variable string) string { return n.segs[n.pattern.index(variable)] }

// IsWildcard reports whether the name holds "-" for variable.
func (n Name) IsWildcard(variable string) bool { return n.segs[n.pattern.index(variable)] == Wildcard }

// String writes the name back, as the pattern formats it.
func (n Name) String() string { return n.pattern.FormatIDs(n.segs...) }
