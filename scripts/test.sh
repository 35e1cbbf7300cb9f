#!/usr/bin/env bash
# test.sh: what `make test` runs, in an order that keeps 2 cores busy.
#
# Usage:
#   scripts/test.sh        PKGS (default ./...), FUZZTIME (default 1000x), GO
#                          and MAKE from the environment
#
# Steps, each announced with a line "== STEP" and summed up at the end:
#
#   vet      go vet, gofmt -s (make vet), and the tree: no tracked binary,
#            and each main package's `go build` output at the root ignored
#   check    no committed result_gen.go is stale (make check)
#   unit     go test -race of the packages whose tests need no MinIO, four
#            at a time (go test -p 4): some wait on fsync and programs
#            they run more than they compute
#   sweeps   the tests named TestSweep... of those packages, without -race:
#            single-goroutine sweeps of a large corpus, which skip
#            themselves under -race (see internal/sweep)
#   fuzz     each fuzz target for FUZZTIME, one line each (scripts/fuzz.sh),
#            beside sweeps (its output printed when it ends)
#   minio    the MinIO server of scripts/with-minio.sh: built in the
#            background, from the start, when .bin/minio is missing (about
#            3 minutes on 2 cores, more under load); the steps above run
#            meanwhile, and its progress goes to a log, not the screen
#   prebuild only while MinIO is still building: compiles the test
#            binaries of the s3 step (go test -race -c), so that step then
#            mostly runs tests
#   s3       go test -race of the packages whose tests use MinIO (those
#            importing internal/s3/s3test), against a throw-away server;
#            when .bin/minio was there before the run, from the start,
#            beside unit, sweeps and fuzz (its output printed when it
#            ends), since its tests mostly wait; all of its packages at
#            once (go test -p 8) for the same reason
#
# A package's tests run once, in unit or in s3. go test's lines for
# packages without tests are left out. Every step runs even when an earlier
# one failed, so one run shows every failure; the script exits 1 when any
# step failed. When MinIO cannot be built the s3 step fails under CI=true;
# otherwise the S3 tests run without it and skip, saying why.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=common.sh
. "$ROOT/scripts/common.sh" # log, die
GO=${GO:-go}
MAKE=${MAKE:-make}
PKGS=${PKGS:-./...}
export FUZZTIME=${FUZZTIME:-1000x} GO
# Binaries linked without DWARF (-ldflags=-w): the test binaries and the
# programs tests build and run (go build, go run, go test -c in their
# children inherit GOFLAGS); a link takes a third less, and the process-
# spawning packages' tests 15% less CPU. Stack traces keep their file:line
# (they come from the symbol table, not DWARF). A GOFLAGS of the caller's
# comes after, so it wins.
export GOFLAGS="-ldflags=-w${GOFLAGS:+ $GOFLAGS}"
# shellcheck disable=SC2206 # PKGS is a list of patterns
pkgs=($PKGS)

summary=()
failed=0
began=$SECONDS

# step NAME COMMAND...: run a step, note its status and duration.
step() {
	local name=$1 start=$SECONDS status=0
	shift
	printf '\n== %s\n' "$name"
	"$@" || status=$?
	if ((status == 0)); then
		summary+=("$(printf 'ok    %-8s %4ds' "$name" $((SECONDS - start)))")
	else
		failed=$((failed + 1))
		summary+=("$(printf 'FAIL  %-8s %4ds' "$name" $((SECONDS - start)))")
	fi
	return 0
}

# gotest ARGS...: go test without the lines of packages that have no tests.
gotest() {
	"$GO" test "$@" 2>&1 | { grep -v '\[no test files\]$\|\[no tests to run\]$' || true; }
	return "${PIPESTATUS[0]}"
}

# tree: no tracked file is an ELF binary, and `go build ./PKG` of each main
# package of the module, which writes ./NAME at the root, writes an
# ignored file.
tree() {
	local bad=0 f name
	local magic
	while IFS= read -r -d '' f; do
		magic=""
		[[ -f "$f" ]] && LC_ALL=C IFS= read -r -n 4 -d '' magic <"$f"
		if [[ "$magic" == $'\x7fELF' ]]; then
			log "$f is a tracked binary: git rm --cached $f, and ignore it in .gitignore"
			bad=1
		fi
	done < <(git ls-files -z)
	while IFS= read -r name; do
		if ! git check-ignore -q --no-index "$name"; then
			log "/$name (go build of a main package, run at the root) is not ignored: add /$name to .gitignore"
			bad=1
		fi
	done < <("$GO" list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' ./... | sed 's|.*/||' | sort -u)
	return "$bad"
}

vet() {
	"$MAKE" --no-print-directory vet PKGS="$PKGS" && tree
}

# The packages whose tests use MinIO: their test binaries import s3test.
s3=$("$GO" list -test -f '{{if .ForTest}}{{.ForTest}} {{join .Deps " "}}{{end}}' "${pkgs[@]}" |
	awk '/ github.com\/resultgen\/resultgen\/internal\/s3\/s3test( |$)/ {print $1}' | sort -u)
unit=$("$GO" list "${pkgs[@]}" | grep -vxF -f <(printf '%s\n' "$s3" | sed '/^$/d'))

# MinIO, in the background, in a process group of its own (so it can be
# stopped as a whole) when it has to be built.
minio_pid=""
minio_log=$(mktemp "${TMPDIR:-/tmp}/resultgen-minio-build.XXXXXX")
stop_minio_build() {
	if [[ -n "$minio_pid" ]] && kill -0 "$minio_pid" 2>/dev/null; then
		kill -TERM -- "-$minio_pid" 2>/dev/null || true
		wait "$minio_pid" 2>/dev/null || true
	fi
	rm -f "$minio_log"
}
trap stop_minio_build EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
minio_start=$SECONDS
if [[ -n "$s3" && ! -x "$ROOT/.bin/minio" ]]; then
	printf '== minio: .bin/minio is missing; building it in the background meanwhile (log: %s)\n' "$minio_log"
	setsid "$ROOT/scripts/with-minio.sh" --install-only >"$minio_log" 2>&1 </dev/null &
	minio_pid=$!
fi

# bg_step NAME COMMAND...: start a step in the background, its output kept
# in a file; bg_wait NAME prints it, under the step's header, once the step
# ends, and notes its status and duration as step does. Several may run at
# once, under different names.
bg_dir=$(mktemp -d "${TMPDIR:-/tmp}/resultgen-test.XXXXXX")
declare -A bg_pids=()
bg_step() {
	local name=$1
	shift
	# In a process group of its own, so that an interrupted run stops
	# it whole (with-minio.sh then stops its server).
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid bash -c 'start=$SECONDS status=0
		"${@:2}" >"$1.out" 2>&1 </dev/null || status=$?
		printf "%d %d\n" "$status" $((SECONDS - start)) >"$1.rc"' _ "$bg_dir/$name" "$@" &
	bg_pids[$name]=$!
}
bg_wait() {
	local name=$1 status=1 secs=0
	printf '\n== %s (ran beside the steps above)\n' "$name"
	wait "${bg_pids[$name]}"
	unset "bg_pids[$name]"
	cat "$bg_dir/$name.out"
	read -r status secs <"$bg_dir/$name.rc" || true
	if ((status == 0)); then
		summary+=("$(printf 'ok    %-8s %4ds (in the background)' "$name" "$secs")")
	else
		failed=$((failed + 1))
		summary+=("$(printf 'FAIL  %-8s %4ds (in the background)' "$name" "$secs")")
	fi
}
stop_bg() {
	local pid
	for pid in "${bg_pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM -- "-$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$bg_dir"
}
trap 'stop_minio_build; stop_bg' EXIT

step vet vet
step check "$MAKE" --no-print-directory check
# With MinIO already built, the s3 step runs from here on, beside unit,
# sweeps and fuzz: its tests wait on servers, leases and processes they
# kill more than they compute, so the two halves overlap.
s3_early=""
if [[ -n "$s3" && -z "$minio_pid" ]]; then
	s3_early=1
	# shellcheck disable=SC2086 # one package per word
	bg_step s3 env RESULTGEN_MINIO_BUILD=no "$ROOT/scripts/with-minio.sh" "$GO" test -race -count=1 -p 8 $s3
fi
if [[ -n "$unit" ]]; then
	# shellcheck disable=SC2086 # one package per word
	step unit gotest -race -count=1 -p 4 $unit
	# The packages with a sweep: go test compiles every package it is
	# given, also those where -run matches nothing.
	sweeps=$("$GO" list -f '{{.ImportPath}} {{.Dir}}' $unit | while read -r pkg dir; do
		if grep -qs '^func TestSweep' "$dir"/*_test.go; then printf '%s\n' "$pkg"; fi
	done)
	# The fuzz targets run beside the sweeps: each sweep package is
	# mostly one goroutine, and each fuzz target starts (its baseline
	# coverage) on one core, so the two halves fill both.
	bg_step fuzz "$ROOT/scripts/fuzz.sh" "${pkgs[@]}"
	if [[ -n "$sweeps" ]]; then
		# shellcheck disable=SC2086 # one package per word
		step sweeps gotest -count=1 -run '^TestSweep' $sweeps
	fi
	bg_wait fuzz
else
	step fuzz "$ROOT/scripts/fuzz.sh" "${pkgs[@]}"
fi

# prebuild: go test -race -c of the s3 packages, quiet unless it fails.
prebuild() {
	local dir out status=0
	dir=$(mktemp -d "${TMPDIR:-/tmp}/resultgen-prebuild.XXXXXX")
	# shellcheck disable=SC2086 # one package per word
	out=$("$GO" test -race -c -o "$dir/" $s3 2>&1) || status=$?
	rm -rf "$dir"
	((status == 0)) || printf '%s\n' "$out"
	return "$status"
}

if [[ -n "$s3_early" ]]; then
	bg_wait s3
elif [[ -n "$s3" ]]; then
	if [[ -n "$minio_pid" ]] && kill -0 "$minio_pid" 2>/dev/null; then
		step prebuild prebuild
	fi
	if [[ -n "$minio_pid" ]]; then
		if kill -0 "$minio_pid" 2>/dev/null; then
			printf '\n== minio: waiting for the build (%ds so far)\n' $((SECONDS - minio_start))
		fi
		status=0
		wait "$minio_pid" || status=$?
		minio_pid=""
		if ((status == 0)); then
			summary+=("$(printf 'ok    %-8s %4ds (built in the background)' minio $((SECONDS - minio_start)))")
		else
			printf '\n== minio: the build failed; its log:\n'
			cat "$minio_log"
			if [[ "${CI:-}" == true ]]; then
				failed=$((failed + 1))
				summary+=("FAIL  minio    (CI=true needs MinIO)")
			else
				summary+=("warn  minio    not built: the S3 tests skip")
			fi
		fi
	fi
	# Each of these packages has tests. A failed background build is not
	# tried again here.
	# shellcheck disable=SC2086 # one package per word
	step s3 env RESULTGEN_MINIO_BUILD=no "$ROOT/scripts/with-minio.sh" "$GO" test -race -count=1 -p 8 $s3
fi

printf '\n== summary\n'
printf '%s\n' "${summary[@]}"
total=$((SECONDS - began))
if ((failed > 0)); then
	printf 'make test: %d step(s) failed, %dm%02ds\n' "$failed" $((total / 60)) $((total % 60))
	exit 1
fi
printf 'make test: passed, %dm%02ds\n' $((total / 60)) $((total % 60))
