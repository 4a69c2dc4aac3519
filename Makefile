# caseflow — make run starts everything; make test passes the tests.
export GOTOOLCHAIN := local
GO ?= go
# PostgreSQL for the store tests when a server answers here (CI sets it too).
CASEFLOW_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export CASEFLOW_TEST_POSTGRES
BENCH_ARGS ?=
# Fuzz runs in make test are a fixed number of inputs per target (FUZZTIME=30s for longer).
FUZZTIME ?= 5000x

.PHONY: run build test test-race test-race-integration test-short test-crash test-topology fuzz bench lint vet clean

## run: caseflow dev — embedded Temporal + Web UI, worker and HTTP API on loopback
run:
	$(GO) run ./cmd/caseflow dev $(RUN_ARGS)

## build: the caseflow binary in ./caseflow
build:
	$(GO) build -o caseflow ./cmd/caseflow

## test: every test, including the embedded-server integration tests and short fuzz runs
test: vet lint
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) test-race
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)
	@if [ "$$CI" = "true" ]; then $(MAKE) test-race-integration; else echo "test-race-integration: CI only (about 10 minutes on 2 cores; run it with make test-race-integration)"; fi

## test-race: the packages whose code is shared between goroutines of one process
## (decoded snapshots shared by every case, the workflows' tests) under the race
## detector; the embedded server's packages stay out (minutes longer)
test-race:
	$(GO) test -race -count=1 ./internal/payload/ ./internal/cases/ ./internal/strictjson/ ./workflows/ ./activities/...

## test-race-integration: the embedded-server integration tests under the race
## detector (about 10 minutes on 2 cores, most of it building the server with
## -race); make test runs it when CI=true, where the budget allows it
test-race-integration:
	$(GO) test -race -count=1 -timeout 30m ./internal/integration/

## test-short: unit and workflow tests only (seconds)
test-short:
	$(GO) test -short -count=1 ./...

## test-crash: the long crash test: 200 cases, 10 kill -9 of caseflow dev (about 3 minutes)
test-crash:
	CASEFLOW_CRASH_LONG=1 $(GO) test -count=1 -timeout 30m -v -run 'TestCrashRecovery|TestGracefulShutdown' ./internal/crashtest/

## test-topology: caseflow server (Temporal on PostgreSQL) + 2 workers + 2 APIs as
## processes, one worker SIGKILLed under load; prints cases/s and the takeover time
## (about 2 minutes; make test runs it as part of ./internal/crashtest/)
test-topology:
	$(GO) test -count=1 -timeout 10m -v -run '^TestTopology$$' ./internal/crashtest/

## fuzz: each fuzz target for FUZZTIME (the API's targets without the embedded server: -tags nodevserver)
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzAddWorking$$' -fuzztime=$(FUZZTIME) ./internal/calendar/
	$(GO) test -tags nodevserver -run='^$$' -fuzz='^FuzzIntakeBody$$' -fuzztime=$(FUZZTIME) ./internal/httpapi/
	$(GO) test -tags nodevserver -run='^$$' -fuzz='^FuzzEventBody$$' -fuzztime=$(FUZZTIME) ./internal/httpapi/

## bench: caseflow's cost against a bare Temporal workflow (BENCH_ARGS passed through)
bench:
	$(GO) run ./cmd/caseflow-bench $(BENCH_ARGS)

## lint: workflowcheck (pinned in go.mod): workflow code and all it calls is deterministic;
## .workflowcheck.yaml lists the calls known safe, each with its reason
lint:
	$(GO) tool workflowcheck -show-pos -config .workflowcheck.yaml ./workflows/... ./statemachines/...

vet:
	$(GO) vet ./...
	$(GO) vet -tags nodevserver ./internal/httpapi/
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)

clean:
	rm -rf ./caseflow ./.caseflow
