package server

import (
	"strings"
	"unicode"

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
		if !found || (after != "" && !unicode.IsSpace(rune(after[0]))) {
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

func word(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] == '.' || unicode.IsLetter(rune(s[i])) || unicode.IsDigit(rune(s[i]))) {
		i++
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
	i := 0
	for i < len(s) && !unicode.IsSpace(rune(s[i])) {
		i++
	}
	return s[:i], s[i:], i > 0
}

// applyAssetFilter sets the optional filters of p from the filter string.
func applyAssetFilter(filter string, tenantID uuid.UUID, p *store.ListAssetsParams) error {
	terms, err := parseFilter(filter)
	if err != nil {
		return err
	}
	for _, t := range terms {
		switch t.field {
		case "category":
			id, ok := strings.CutPrefix(t.value, "assetCategories/")
			if !ok {
				id = t.value
			}
			if err := eqOrNe(t, &p.CategoryID, &p.CategoryIDNot, id); err != nil {
				return err
			}
		case "status":
			st, ok := statusToDB(t.value)
			if !ok {
				return filterErr("status must be one of IN_SERVICE, OUT_OF_SERVICE, RETIRED")
			}
			if err := eqOrNe(t, &p.Status, &p.StatusNot, st); err != nil {
				return err
			}
		case "make":
			if t.op != "=" {
				return filterErr("make supports only =")
			}
			p.Make = pgtype.Text{String: t.value, Valid: true}
		case "location":
			ids, err := resname.Parse("filter", t.value, false, "tenants", "homes", "locations")
			if err != nil || ids[0] != tenantID {
				return filterErr("location must be a location resource name of this tenant")
			}
			v := uuid.NullUUID{UUID: ids[2], Valid: true}
			switch t.op {
			case "=":
				p.LocationID = v
			case "!=":
				p.LocationIDNot = v
			default:
				return filterErr("location supports only = and !=")
			}
		case "warranty_expiry_date":
			d, err := parseDate("filter", t.value)
			if err != nil || !d.Valid {
				return filterErr("warranty_expiry_date needs a date YYYY-MM-DD")
			}
			switch t.op {
			case "<":
				p.WarrantyLt = d
			case "<=":
				p.WarrantyLte = d
			case ">":
				p.WarrantyGt = d
			case ">=":
				p.WarrantyGte = d
			case "=":
				p.WarrantyGte, p.WarrantyLte = d, d
			default:
				return filterErr("warranty_expiry_date does not support !=")
			}
		default:
			return filterErr("unknown field " + t.field + "; filterable: category, status, location, make, warranty_expiry_date")
		}
	}
	return nil
}

func eqOrNe(t comparison, eq, ne *pgtype.Text, v string) error {
	switch t.op {
	case "=":
		*eq = pgtype.Text{String: v, Valid: true}
	case "!=":
		*ne = pgtype.Text{String: v, Valid: true}
	default:
		return filterErr(t.field + " supports only = and !=")
	}
	return nil
}
