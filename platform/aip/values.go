package aip

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/reflect/protoreflect"

	"steward.dev/platform/apierror"
)

// Etag is the etag of a row at revision (AIP-154): every update bumps it.
func Etag(revision int64) string { return strconv.FormatInt(revision, 10) }

// CheckEtag passes when the client sent no etag or the current one.
func CheckEtag(sent string, revision int64, name string) error {
	if sent != "" && sent != Etag(revision) {
		return apierror.EtagMismatch(name)
	}
	return nil
}

// ParseDate reads a YYYY-MM-DD calendar date; "" is no date (Valid false)
// and not an error. Callers word the error for their field.
func ParseDate(s string) (pgtype.Date, bool) {
	if s == "" {
		return pgtype.Date{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return pgtype.Date{}, false
	}
	return pgtype.Date{Time: t, Valid: true}, true
}

// FormatDate writes d as YYYY-MM-DD, "" for no date.
func FormatDate(d pgtype.Date) string {
	if !d.Valid {
		return ""
	}
	return d.Time.Format(time.DateOnly)
}

// Enum is a contract enum whose values are stored as text: the value name
// without the enum's prefix, in lower case (Location.KIND_OUTDOOR is
// "outdoor"). The zero value (…_UNSPECIFIED) is never stored; it stands for
// the default the Enum was made with.
type Enum[E interface {
	~int32
	protoreflect.Enum
}] struct {
	prefix string
	dflt   E
}

// NewEnum maps E to text; unspecified is stored as dflt, or as "" (which no
// CHECK constraint admits) when dflt is itself unspecified.
func NewEnum[E interface {
	~int32
	protoreflect.Enum
}](dflt E) Enum[E] {
	zero := dflt.Descriptor().Values().ByNumber(0).Name()
	return Enum[E]{prefix: strings.TrimSuffix(string(zero), "UNSPECIFIED"), dflt: dflt}
}

// ToDB returns the text stored for v.
func (m Enum[E]) ToDB(v E) string {
	if v == 0 {
		v = m.dflt
	}
	if v == 0 {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(string(v.Descriptor().Values().ByNumber(protoreflect.EnumNumber(v)).Name()), m.prefix))
}

// FromDB returns the value stored as s; unspecified for text it does not know.
func (m Enum[E]) FromDB(s string) E {
	v := m.dflt.Descriptor().Values().ByName(protoreflect.Name(m.prefix + strings.ToUpper(s)))
	if v == nil || v.Number() == 0 {
		return 0
	}
	return E(v.Number())
}

// Parse reads a value a client wrote, with or without the prefix
// ("IN_SERVICE" or "STATUS_IN_SERVICE"); the unspecified value is refused.
func (m Enum[E]) Parse(s string) (E, bool) {
	values := m.dflt.Descriptor().Values()
	v := values.ByName(protoreflect.Name(s))
	if v == nil {
		v = values.ByName(protoreflect.Name(m.prefix + s))
	}
	if v == nil || v.Number() == 0 {
		return 0, false
	}
	return E(v.Number()), true
}

// Stored returns every text the database may hold, in enum order: what the
// column's CHECK constraint must allow.
func (m Enum[E]) Stored() []string {
	values := m.dflt.Descriptor().Values()
	out := make([]string, 0, values.Len()-1)
	for i := range values.Len() {
		if n := values.Get(i).Number(); n != 0 {
			out = append(out, m.ToDB(E(n)))
		}
	}
	return out
}

// Names lists the values a client may write, without the prefix.
func (m Enum[E]) Names() string {
	values := m.dflt.Descriptor().Values()
	names := make([]string, 0, values.Len()-1)
	for i := range values.Len() {
		if values.Get(i).Number() != 0 {
			names = append(names, strings.TrimPrefix(string(values.Get(i).Name()), m.prefix))
		}
	}
	return strings.Join(names, ", ")
}

// String describes the mapping, for test failures.
func (m Enum[E]) String() string {
	return fmt.Sprintf("%s as %v", m.dflt.Descriptor().FullName(), m.Stored())
}

// CheckTimeZone refuses, on field, what is not an IANA time zone name: the
// zones schedules, due dates and notice rules are computed in. "Local" (the
// host's zone) is no answer either.
func CheckTimeZone(field, tz string) error {
	if tz == "" {
		return apierror.InvalidField(field, "is required (an IANA time zone such as America/Chicago)")
	}
	if _, err := LoadTimeZone(tz); err != nil || tz == "Local" {
		return apierror.InvalidField(field, "is not an IANA time zone such as America/Chicago")
	}
	return nil
}

// zones caches loaded time zones by name: time.LoadLocation reads and
// parses the zoneinfo file on every call, and a zone's rules do not change
// while the process runs.
var zones sync.Map // string → *time.Location

// LoadTimeZone is time.LoadLocation, once per zone name for the life of the
// process: hot paths compute in a tenant's zone on every request.
func LoadTimeZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
