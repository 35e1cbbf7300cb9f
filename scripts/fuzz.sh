#!/usr/bin/env bash
# fuzz.sh: run every fuzz target of the packages for a short time, quietly.
#
# Usage:
#   scripts/fuzz.sh [PACKAGE...]     default ./... ; FUZZTIME (default 1000x:
#                                    executions, see the Makefile)
#                                    is each target's -fuzztime
#
# The targets are found, not listed: every `func FuzzXxx(` in a _test.go file
# of the packages. Each runs on its own (`go test -run='^$' -fuzz='^FuzzXxx$'`,
# as go test fuzzes one target at a time) and prints one line:
#
#   fuzz FuzzDecode          ./internal/record           41234 execs   3 new  ok (11s)
#
# with the executions and the new interesting inputs of its run (when
# FUZZTIME ends before go test has run the target's corpus, which it does
# first: `0 (corpus 199/387 run) execs`). A target
# that fails prints FAIL and then go test's whole output (the failing input,
# and the file under testdata/fuzz it was written to, which go test then
# runs as a regression case). The script runs every target and exits 1 when
# any failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-1000x}
[[ $# -gt 0 ]] || set -- ./...

out=$(mktemp "${TMPDIR:-/tmp}/resultgen-fuzz.XXXXXX")
trap 'rm -f "$out"' EXIT

failed=0 count=0
while IFS= read -r dir; do
	rel=./${dir#"$ROOT"/}
	[[ "$dir" == "$ROOT" ]] && rel=.
	# the fuzz targets of the package, in file order
	targets=$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$dir"/*_test.go 2>/dev/null || true)
	for target in $targets; do
		count=$((count + 1))
		start=$SECONDS
		status=0
		"$GO" test -run='^$' -fuzz="^$target\$" -fuzztime="$FUZZTIME" "$rel" >"$out" 2>&1 || status=$?
		execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
		newin=$(sed -n 's/.*new interesting: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
		if [[ -z "$execs" ]]; then
			# FUZZTIME ended while go test still ran the corpus
			corpus=$(sed -n 's/.*baseline coverage: \([0-9]*\/[0-9]*\).*/\1/p' "$out" | tail -n 1)
			execs="?"
			[[ -n "$corpus" ]] && execs="0 (corpus $corpus run)"
		fi
		if ((status == 0)); then
			printf 'fuzz %-24s %-24s %9s execs %3s new  ok (%ds)\n' "$target" "$rel" "$execs" "${newin:-0}" $((SECONDS - start))
		else
			failed=$((failed + 1))
			printf 'fuzz %-24s %-24s %9s execs %3s new  FAIL (%ds); go test said:\n' "$target" "$rel" "$execs" "${newin:-0}" $((SECONDS - start))
			sed 's/^/    /' "$out"
		fi
	done
done < <("$GO" list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' "$@")

if ((count == 0)); then
	echo "fuzz: no fuzz targets in $*"
elif ((failed > 0)); then
	echo "fuzz: $failed of $count targets failed"
	exit 1
fi
