# resultgen: see README.md. `make demo` runs the quickstart; `make test` runs everything.
GO        ?= go
PKGS      ?= ./...
# FUZZTIME: a count (Nx), not a duration, by default: go1.26's fuzzing can
# fail a target with a bare "context deadline exceeded" when a duration
# ends on a loaded machine (golang/go#75804, fixed in go1.27)
FUZZTIME  ?= 1000x
BIN       := $(CURDIR)/.bin

.PHONY: all test unit fuzz check vet demo bench bench-go bench-peers minio generate clean reliability

all: test

## test: vet, gofmt, the stale-code check, every test with -race, each fuzz target for
## FUZZTIME; a local MinIO for the S3 tests, built (when missing) in the background while
## the rest runs (scripts/test.sh: one line per package and fuzz target, a summary at the end)
test:
	GO="$(GO)" MAKE="$(MAKE)" PKGS="$(PKGS)" FUZZTIME="$(FUZZTIME)" ./scripts/test.sh

## unit: the tests without MinIO (S3 tests skip unless RESULTGEN_TEST_S3_ENDPOINT is set)
unit:
	$(GO) test -race -count=1 $(PKGS)

## fuzz: each fuzz target of PKGS for FUZZTIME, one line each (full output on failure)
fuzz:
	GO="$(GO)" FUZZTIME="$(FUZZTIME)" ./scripts/fuzz.sh $(PKGS)

# STATICCHECK: honnef.co/go/tools' staticcheck, installed into .bin from the
# module proxy on first use (make vet runs it)
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)

$(STATICCHECK):
	@mkdir -p $(BIN)
	GOBIN=$(BIN)/.staticcheck-install $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/.staticcheck-install/staticcheck $@ && rmdir $(BIN)/.staticcheck-install

## vet: go vet, gofmt -s and staticcheck (installed into .bin on first use)
vet: $(STATICCHECK)
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	@test -z "$$(gofmt -s -l $$(git ls-files -co --exclude-standard '*.go' | grep -v testdata/))" || { gofmt -s -l $$(git ls-files -co --exclude-standard '*.go' | grep -v testdata/); echo 'gofmt -s: files above need formatting'; exit 1; }

# GENPKGS: every package with a committed result_gen.go (./... skips testdata)
GENPKGS   := ./... ./internal/s3e2e/testdata/flow ./runtime/testdata/durable ./runtime/testdata/hits

## check: fail when a committed result_gen.go is stale
check:
	$(GO) run ./cmd/resultgen check $(GENPKGS)

## generate: regenerate every package's result_gen.go
generate:
	$(GO) run ./cmd/resultgen $(GENPKGS)

## demo: generate and run the quickstart, persisting under the local default storage
demo:
	$(GO) run ./cmd/resultgen ./examples/quickstart
	$(GO) run ./examples/quickstart

## reliability: the adversarial suite at full size (make test runs it with bounded counts):
## writers killed mid-write, corrupted records of every serializer, hostile keys (local and
## S3), stopped and killed lock holders, source edits made without go generate (-stale N per
## class: code, directive, keep, type), and the S3 end-to-end runs that kill MinIO and
## clients; prints each row's figures, then N passed, M failed and the totals
reliability:
	./scripts/with-minio.sh $(GO) test -count=1 -v -timeout 30m -run . ./internal/reliability -args -kills 25 -corruptions 3000 -hostile 2000 -holders 5 -stale 24
	./scripts/with-minio.sh $(GO) test -count=1 ./internal/s3e2e

## bench: the paired overhead table of issues 14 and 21, P1-P7 and the CLI's memory on
## a 1,000,000-record store (generated wrappers; baseline and resultgen alternating;
## medians and spread, ratio, allocations or counted requests, goal, pass/fail); starts
## a local MinIO for the S3 rows (P5 is skipped, with a note, when none can start).
## BENCH_FLAGS: e.g. -reps 31 -bigreps 9 -p4reps 16 -only P4,P6,CLI. Times nothing in `make test`.
bench:
	./scripts/with-minio.sh $(GO) run ./internal/benchtable $(BENCH_FLAGS)

## bench-go: the packages' Go benchmarks
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## bench-peers: one workload (a flow of 1,000 tasks of 1 KiB) through resultgen (local and S3)
## and through DBOS Transact Go, against a throw-away Postgres (installed with apt-get when
## missing) and MinIO; prints medians and ratios. bench/peers is a module of its own, outside
## ./... and the check target; the script checks its result_gen.go. BENCH_PEERS_FLAGS: e.g. -reps 9
bench-peers:
	./scripts/bench-peers.sh $(BENCH_PEERS_FLAGS)

## minio: build the pinned MinIO server into .bin (about 3 minutes)
minio:
	./scripts/with-minio.sh --install-only

clean:
	rm -rf $(BIN)
