// Package bench measures Steward's hot read path against the floors beneath
// it, all in one process and one run so the ratios are comparable:
//
//	raw-pgx   a prepared point select of an asset row over a pgx pool
//	bare-grpc a gRPC server with no interceptors doing that select
//	chain     GetAsset over gRPC through the full interceptor chain
//	gateway   GetAsset as JSON through the grpc-gateway edge
//
// Each mode is measured for throughput at concurrency 32 and for latency
// (p50/p99) at concurrency 1. The load generator shares the machine with the
// servers and PostgreSQL, as it does for every mode.
//
// RunRush (make bench-rush) is the booking rush: CreateBooking through the
// gateway as an open loop into a freshly opened window on the seeded school,
// a step search for the highest arrival rate that keeps p99 under 200 ms,
// the SQL double-booking check after every run, and pgbench yardsticks on
// the same database (simple-update, and the booking's own write as the
// ceiling). It writes its own section of bench/README.md.
package bench
