// Package icalfeed is what every service's iCalendar feed shares: the
// secret in a feed's URL (minted here, stored only as its sha256, checked
// in constant time), the calendar's header and its serialisation as an
// HTTP body. Calendar apps fetch a feed without credentials, so the secret
// is the credential, and a feed is revoked by deleting its stored hash.
package icalfeed

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	ics "github.com/arran4/golang-ical"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// ContentType is what a feed's content is served as.
const ContentType = "text/calendar; charset=utf-8"

// UIDDomain makes an event's UID (a row's UUID before it) globally unique
// and stable: calendar apps match updates and cancellations by UID.
const UIDDomain = "@steward.dev"

// NewSecret mints a feed's secret: 32 random bytes, base64url (URL-safe as
// it is, 43 characters), and the sha256 of that text, which is all a
// service stores.
func NewSecret() (token string, hash []byte, err error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// Matches reports whether token is the secret whose sha256 is hash, in time
// that does not depend on where they differ.
func Matches(token string, hash []byte) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}

// URL is the path and query, relative to the gateway, of the content of the
// feed named name: its HTTP rule is "/v1/{name=…}/calendar.ics".
func URL(name, token string) string { return "/v1/" + name + "/calendar.ics?token=" + token }

// NewCalendar starts an RFC 5545 calendar named name (X-WR-CALNAME), which
// apps poll hourly at most.
func NewCalendar(name string) *ics.Calendar {
	cal := ics.NewCalendarFor("Steward")
	cal.SetProductId("-//Steward//Calendar feed//EN")
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(name)
	cal.SetXPublishedTTL("PT1H")
	cal.SetRefreshInterval("PT1H") // the library writes VALUE=DURATION itself (RFC 7986)
	return cal
}

// Serialize writes cal with CRLF line ends (RFC 5545 3.1).
func Serialize(cal *ics.Calendar) string { return cal.Serialize(ics.WithNewLine("\r\n")) }

// Body is cal as a feed's content.
func Body(cal *ics.Calendar) *httpbody.HttpBody {
	return &httpbody.HttpBody{ContentType: ContentType, Data: []byte(Serialize(cal))}
}
