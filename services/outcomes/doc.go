// Package outcomes holds the outcome matrix: every RPC of every Steward
// service called by every kind of principal, each answer checked against a
// table written by hand (outcomes_test.go). The table is never derived from
// the descriptors, so widening an RPC's permission, or a role's, in a
// contract or in platform/access fails it; an RPC added without a row fails
// it too.
package outcomes
