package aip

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"steward.dev/platform/apierror"
)

// Term is one `field op value` comparison of an AIP-160 filter.
type Term struct{ Field, Op, Value string }

// parseFilter reads a conjunction of comparisons joined by AND. Values are
// double-quoted strings or bare words.
func parseFilter(s string) ([]Term, error) {
	var out []Term
	rest := strings.TrimSpace(s)
	for rest != "" {
		var c Term
		var ok bool
		if c.Field, rest, ok = word(rest); !ok {
			return nil, FilterError("expected a field name")
		}
		if c.Op, rest, ok = operator(rest); !ok {
			return nil, FilterError("expected one of = != < <= > >= after " + c.Field)
		}
		if c.Value, rest, ok = value(rest); !ok {
			return nil, FilterError("expected a value after " + c.Field + " " + c.Op)
		}
		out = append(out, c)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		after, found := strings.CutPrefix(rest, "AND")
		if next, _ := utf8.DecodeRuneInString(after); !found || (after != "" && !unicode.IsSpace(next)) {
			return nil, FilterError("terms must be joined with AND")
		}
		rest = strings.TrimSpace(after)
		if rest == "" {
			return nil, FilterError("expected a term after AND")
		}
	}
	return out, nil
}

// FilterError is INVALID_ARGUMENT on the filter field.
func FilterError(msg string) error { return apierror.InvalidField("filter", msg) }

// word reads a field name. Scanning is by rune, never by byte, so a
// multi-byte character is never split and messages stay valid UTF-8.
func word(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool {
		return r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:], i > 0
}

func operator(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(s, op) {
			return op, s[len(op):], true
		}
	}
	return "", s, false
}

func value(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", s, false
		}
		return s[1 : end+1], s[end+2:], true
	}
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:], i > 0
}

// FilterField binds one filterable field: Bind turns a term on it into the
// query's parameters, through a Filter's SetOnce and EqOrNe.
type FilterField struct {
	Name string
	Bind func(f *Filter, t Term) error
}

// Filter applies one filter string to one query's parameters.
type Filter struct {
	set map[any]bool // the parameters already set, by address
}

// ApplyFilter parses filter, a conjunction of terms joined by AND, and binds
// each term with the field it names. Each parameter holds one value, so a
// term that would set one again (the same field and operator twice, or =
// beside <= on a range) is refused instead of silently replacing the earlier.
func ApplyFilter(filter string, fields ...FilterField) error {
	terms, err := parseFilter(filter)
	if err != nil {
		return err
	}
	f := &Filter{set: map[any]bool{}}
	for _, t := range terms {
		i := slices.IndexFunc(fields, func(ff FilterField) bool { return ff.Name == t.Field })
		if i < 0 {
			names := make([]string, len(fields))
			for j, ff := range fields {
				names[j] = ff.Name
			}
			return FilterError("unknown field " + t.Field + "; filterable: " + strings.Join(names, ", "))
		}
		if err := fields[i].Bind(f, t); err != nil {
			return err
		}
	}
	return nil
}

// EqOrNe stores v in eq for = and in ne for !=.
func EqOrNe[T any](f *Filter, t Term, eq, ne *T, v T) error {
	switch t.Op {
	case "=":
		return SetOnce(f, t, eq, v)
	case "!=":
		return SetOnce(f, t, ne, v)
	}
	return FilterError(t.Field + " supports only = and !=")
}

// SetOnce stores v in *dst unless an earlier term already set it.
func SetOnce[T any](f *Filter, t Term, dst *T, v T) error {
	if f.set[dst] {
		return FilterError(fmt.Sprintf("%s %s conflicts with an earlier condition on %s: give each field and operator at most once", t.Field, t.Op, t.Field))
	}
	f.set[dst] = true
	*dst = v
	return nil
}
