// Package e2e holds live tests of the whole stack: a real PostgreSQL with the
// seeded demo data, the development issuer, the services built exactly as
// their main packages build them, and the gateway, all on loopback.
package e2e
