// Package crashtest runs the real `caseflow dev` binary as a child process and
// stops it the hard way and the polite way: SIGKILL in the middle of a steady
// load of intakes, then a restart on the same data dir; SIGTERM with requests and
// letters in flight. Its tests check what must survive: every accepted case and
// its state, its deadlines with their due times, one case per Idempotency-Key
// and each letter on the wire once.
//
// The package holds tests only. Plain `go test` runs a short form; the long form
// (more cases, more kills) runs with CASEFLOW_CRASH_LONG=1, as `make test-crash`
// does. Both are skipped with -short.
package crashtest
