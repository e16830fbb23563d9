package server

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"steward.dev/platform/apierror"
	"steward.dev/platform/resname"
	"steward.dev/services/assets/internal/store"
)

// comparison is one `field op value` term of an AIP-160 filter.
type comparison struct{ field, op, value string }

// parseFilter reads a conjunction of comparisons joined by AND. Values are
// double-quoted strings or bare words.
func parseFilter(s string) ([]comparison, error) {
	var out []comparison
	rest := strings.TrimSpace(s)
	for rest != "" {
		var c comparison
		var ok bool
		if c.field, rest, ok = word(rest); !ok {
			return nil, filterErr("expected a field name")
		}
		if c.op, rest, ok = operator(rest); !ok {
			return nil, filterErr("expected one of = != < <= > >= after " + c.field)
		}
		if c.value, rest, ok = value(rest); !ok {
			return nil, filterErr("expected a value after " + c.field + " " + c.op)
		}
		out = append(out, c)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		after, found := strings.CutPrefix(rest, "AND")
		if next, _ := utf8.DecodeRuneInString(after); !found || (after != "" && !unicode.IsSpace(next)) {
			return nil, filterErr("terms must be joined with AND")
		}
		rest = strings.TrimSpace(after)
		if rest == "" {
			return nil, filterErr("expected a term after AND")
		}
	}
	return out, nil
}

func filterErr(msg string) error { return apierror.InvalidField("filter", msg) }

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

// applyAssetFilter sets the optional filters of p from the filter string.
// Each filter parameter holds one value, so a term that would set one again
// (the same field and operator twice, or = beside <= or >= on a date) is
// refused instead of silently replacing the earlier term.
func applyAssetFilter(filter string, tenantID uuid.UUID, p *store.ListAssetsParams) error {
	terms, err := parseFilter(filter)
	if err != nil {
		return err
	}
	set := map[any]bool{} // the parameters already set, by address
	for _, t := range terms {
		switch t.field {
		case "category":
			id, ok := strings.CutPrefix(t.value, "assetCategories/")
			if !ok {
				id = t.value
			}
			err = eqOrNe(set, t, &p.CategoryID, &p.CategoryIDNot, pgtype.Text{String: id, Valid: true})
		case "status":
			st, ok := statusToDB(t.value)
			if !ok {
				return filterErr("status must be one of IN_SERVICE, OUT_OF_SERVICE, RETIRED")
			}
			err = eqOrNe(set, t, &p.Status, &p.StatusNot, pgtype.Text{String: st, Valid: true})
		case "make":
			if t.op != "=" {
				return filterErr("make supports only =")
			}
			err = setOnce(set, t, &p.Make, pgtype.Text{String: t.value, Valid: true})
		case "location":
			ids, perr := resname.Parse("filter", t.value, false, "tenants", "homes", "locations")
			if perr != nil || ids[0] != tenantID {
				return filterErr("location must be a location resource name of this tenant")
			}
			err = eqOrNe(set, t, &p.LocationID, &p.LocationIDNot, uuid.NullUUID{UUID: ids[2], Valid: true})
		case "warranty_expiry_date":
			d, ok := parseDate(t.value)
			if !ok || !d.Valid {
				return filterErr("warranty_expiry_date needs a date YYYY-MM-DD")
			}
			switch t.op {
			case "<":
				err = setOnce(set, t, &p.WarrantyLt, d)
			case "<=":
				err = setOnce(set, t, &p.WarrantyLte, d)
			case ">":
				err = setOnce(set, t, &p.WarrantyGt, d)
			case ">=":
				err = setOnce(set, t, &p.WarrantyGte, d)
			case "=":
				if err = setOnce(set, t, &p.WarrantyGte, d); err == nil {
					err = setOnce(set, t, &p.WarrantyLte, d)
				}
			default:
				return filterErr("warranty_expiry_date does not support !=")
			}
		default:
			return filterErr("unknown field " + t.field + "; filterable: category, status, location, make, warranty_expiry_date")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// eqOrNe stores v in eq for = and in ne for !=.
func eqOrNe[T any](set map[any]bool, t comparison, eq, ne *T, v T) error {
	switch t.op {
	case "=":
		return setOnce(set, t, eq, v)
	case "!=":
		return setOnce(set, t, ne, v)
	}
	return filterErr(t.field + " supports only = and !=")
}

// setOnce stores v in *dst unless an earlier term already set it.
func setOnce[T any](set map[any]bool, t comparison, dst *T, v T) error {
	if set[dst] {
		return filterErr(fmt.Sprintf("%s %s conflicts with an earlier condition on %s: give each field and operator at most once", t.field, t.op, t.field))
	}
	set[dst] = true
	*dst = v
	return nil
}
