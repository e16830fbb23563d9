package dashboard

import (
	"sync"
	"time"

	"github.com/google/uuid"

	maintenancev1 "steward.dev/gen/go/steward/maintenance/v1"
)

// CacheTTL is the longest a computed dashboard is served (the HelixIntel
// specification's five minutes). Changes do not wait for it: every write
// to what the dashboard reads bumps the tenant's version (00005's
// triggers), and an entry of an older version is never served.
const CacheTTL = 5 * time.Minute

// cacheCapacity bounds the entries one server keeps (one per tenant and
// home filter); past it, expired entries go first, then any.
const cacheCapacity = 10000

// cacheKey is a tenant's dashboard, of all homes (uuid.Nil) or one.
type cacheKey struct{ tenant, home uuid.UUID }

// cacheEntry is a computed dashboard and what it is good for: the version
// it was computed at (or after: the version is read first) and the instant
// it expires, the earlier of CacheTTL and the next midnight of any of its
// homes, when overdue and due counts move on their own.
type cacheEntry struct {
	version int64
	expires time.Time
	// dash is shared by every reader: never modified after it is stored.
	dash *maintenancev1.Dashboard
}

// cache holds computed dashboards in this process. Several instances of the
// service each keep their own; the version row in PostgreSQL keeps them all
// honest.
type cache struct {
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

func newCache() *cache { return &cache{entries: map[cacheKey]cacheEntry{}} }

// get returns the entry for key if it is of version and unexpired at now.
func (c *cache) get(key cacheKey, version int64, now time.Time) (*maintenancev1.Dashboard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.version != version || !now.Before(e.expires) {
		return nil, false
	}
	return e.dash, true
}

// put stores e unless a newer version is already there: of two readers
// computing at once, the one that read the older version must not replace
// the other's answer.
func (c *cache) put(key cacheKey, e cacheEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.entries[key]; ok && cur.version > e.version {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= cacheCapacity {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < cacheCapacity {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}
