#!/usr/bin/env bash
# with-minio.sh: run a command against a throw-away local MinIO server.
#
# Usage:
#   scripts/with-minio.sh COMMAND [ARG...]   start MinIO, run COMMAND, stop MinIO
#   scripts/with-minio.sh --install-only     only build the pinned MinIO into .bin
#
# The pinned server is built from source with `go install` into <repo>/.bin
# (about 3 minutes on 2 cores, once; later runs reuse .bin/minio). It is the
# only thing fetched, through the Go module proxy like any other module. The
# build runs with GOFLAGS cleared (`go install pkg@version` refuses a
# caller's -mod=mod) and GOTOOLCHAIN=local: the pinned
# MinIO declares `go 1.24.0`, so the installed toolchain builds it and no other
# toolchain is ever downloaded. The script checks that before building and
# stops with the reason if the go directive ever needs a newer toolchain.
#
# The server listens on 127.0.0.1 only, on a free port (its console on another
# free loopback port), with a temporary data folder and random root
# credentials. COMMAND runs with:
#
#   RESULTGEN_TEST_S3_ENDPOINT     127.0.0.1:PORT (plain HTTP)
#   AWS_ACCESS_KEY_ID              the random root user
#   AWS_SECRET_ACCESS_KEY          the random root password
#   AWS_REGION                     us-east-1
#   RESULTGEN_TEST_MINIO_BIN       the server binary
#   RESULTGEN_TEST_MINIO_DATA      its data folder
#   RESULTGEN_TEST_MINIO_CONSOLE   127.0.0.1:CONSOLEPORT
#   RESULTGEN_TEST_MINIO_PID       the server's process id
#   RESULTGEN_TEST_MINIO_PIDFILE   a file holding the pid; a test that kills
#                                  and restarts the server writes the new pid
#                                  here so this script stops the right process
#
# Afterwards the server is always stopped and its data folder removed, and
# the script exits with COMMAND's status. When MinIO cannot be built, the
# script fails with the reason under CI=true; otherwise it warns and runs
# COMMAND without MinIO (the S3 tests then skip and say why). With
# RESULTGEN_MINIO_BUILD=no it never builds: a missing .bin/minio is then
# the same as one that cannot be built (scripts/test.sh builds it in the
# background and does not build it twice). An interrupted build leaves
# nothing in .bin.
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=common.sh
. "$ROOT/scripts/common.sh" # log, die, port_in_use, free_port
BIN_DIR="$ROOT/.bin"
MINIO_BIN="$BIN_DIR/minio"


# version_le A B: true when Go version A (1.24, 1.24.0, 1.26.8) <= B.
version_le() {
	local a b i x y
	IFS=. read -r -a a <<<"$1"
	IFS=. read -r -a b <<<"$2"
	for i in 0 1 2; do
		x=${a[i]:-0}
		y=${b[i]:-0}
		x=${x%%[!0-9]*}
		y=${y%%[!0-9]*}
		((10#${x:-0} < 10#${y:-0})) && return 0
		((10#${x:-0} > 10#${y:-0})) && return 1
	done
	return 0
}

# install_minio builds the pinned server into .bin/minio when it is missing.
# It prints the reason and returns non-zero when it cannot.
install_minio() {
	if [[ -x "$MINIO_BIN" ]]; then
		return 0
	fi
	if [[ "${RESULTGEN_MINIO_BUILD:-}" == no ]]; then
		log "$MINIO_BIN is missing and RESULTGEN_MINIO_BUILD=no: not building it"
		return 1
	fi
	command -v go >/dev/null 2>&1 || {
		log "go is not on PATH; cannot build MinIO"
		return 1
	}
	local have gomod want info
	have=$(go env GOVERSION)
	have=${have#go}
	log "checking $MINIO_MODULE@$MINIO_VERSION"
	if ! info=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= GOTOOLCHAIN=local go mod download -json "$MINIO_MODULE@$MINIO_VERSION" 2>&1); then
		log "cannot download $MINIO_MODULE@$MINIO_VERSION: $info"
		return 1
	fi
	gomod=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
	if [[ -z "$gomod" || ! -r "$gomod" ]]; then
		log "cannot find the go.mod of $MINIO_MODULE@$MINIO_VERSION in: $info"
		return 1
	fi
	want=$(sed -n 's/^go[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' "$gomod" | head -n 1)
	if [[ -z "$want" ]]; then
		log "no go directive in $gomod"
		return 1
	fi
	if ! version_le "$want" "$have"; then
		log "$MINIO_MODULE@$MINIO_VERSION needs go $want but go $have is installed (GOTOOLCHAIN=local)"
		return 1
	fi
	log "building MinIO $MINIO_VERSION with go $have (module needs go $want) into $BIN_DIR; about 3 minutes on 2 cores"
	mkdir -p "$BIN_DIR"
	local build_log start pid status
	build_log=$(mktemp "${TMPDIR:-/tmp}/minio-build.XXXXXX")
	start=$SECONDS
	# Build into a private folder and move into place, so an interrupted
	# build never leaves a half-written .bin/minio behind.
	local stage
	stage=$(mktemp -d "$BIN_DIR/.stage.XXXXXX")
	(cd "$stage" && GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$stage" \
		go install "$MINIO_MODULE@$MINIO_VERSION") >"$build_log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # the names are fixed now
	trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf '$stage' '$build_log'; exit 143" TERM
	# shellcheck disable=SC2064
	trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf '$stage' '$build_log'; exit 130" INT
	local next=30
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if ((SECONDS - start >= next)) && kill -0 "$pid" 2>/dev/null; then
			next=$((next + 30))
			log "still building MinIO ($((SECONDS - start))s)"
		fi
	done
	status=0
	wait "$pid" || status=$?
	trap - TERM INT
	if ((status != 0)) || [[ ! -x "$stage/minio" ]]; then
		log "go install $MINIO_MODULE@$MINIO_VERSION failed (exit $status):"
		tail -n 30 "$build_log" >&2 || true
		rm -rf "$stage" "$build_log"
		return 1
	fi
	mv -f "$stage/minio" "$MINIO_BIN"
	rm -rf "$stage" "$build_log"
	log "built $MINIO_BIN in $((SECONDS - start))s"
}


# ready PORT: true when MinIO answers its readiness probe and its cluster
# probe with 200 (the first alone can come before the S3 API serves).
ready() {
	local line path
	for path in /minio/health/ready /minio/health/cluster; do
		line=$(
			exec 2>/dev/null
			exec 4<>"/dev/tcp/127.0.0.1/$1" || exit 1
			printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$path" "$1" >&4 || exit 1
			timeout 2 head -n 1 <&4
		) || return 1
		[[ "$line" == *" 200 "* ]] || return 1
	done
}

WORK=""
cleanup() {
	local pid i
	if [[ -n "$WORK" ]]; then
		if [[ -s "$WORK/minio.pid" ]]; then
			pid=$(cat "$WORK/minio.pid")
			if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
				kill -TERM "$pid" 2>/dev/null || true
				for i in $(seq 1 50); do
					kill -0 "$pid" 2>/dev/null || break
					sleep 0.2
				done
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
		rm -rf "$WORK"
	fi
}

# start_minio starts the server and waits until it is ready; it sets PORT,
# CONSOLE_PORT, MINIO_PID.
start_minio() {
	local attempt i
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/resultgen-minio.XXXXXX")
	mkdir -p "$WORK/data"
	ROOT_USER="rg$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	ROOT_PASSWORD="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	for attempt in 1 2 3 4 5; do
		PORT=$(free_port) || die "no free loopback port"
		CONSOLE_PORT=$(free_port) || die "no free loopback port"
		[[ "$PORT" != "$CONSOLE_PORT" ]] || continue
		MINIO_ROOT_USER="$ROOT_USER" MINIO_ROOT_PASSWORD="$ROOT_PASSWORD" \
			MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
			"$MINIO_BIN" server --quiet \
			--address "127.0.0.1:$PORT" --console-address "127.0.0.1:$CONSOLE_PORT" \
			"$WORK/data" >"$WORK/minio.log" 2>&1 </dev/null &
		MINIO_PID=$!
		printf '%s\n' "$MINIO_PID" >"$WORK/minio.pid"
		for i in $(seq 1 240); do # 60 seconds at most
			if ! kill -0 "$MINIO_PID" 2>/dev/null; then
				break
			fi
			if ready "$PORT"; then
				log "MinIO ready at 127.0.0.1:$PORT (pid $MINIO_PID, data $WORK/data)"
				return 0
			fi
			sleep 0.25
		done
		log "MinIO did not become ready on 127.0.0.1:$PORT (attempt $attempt); its log:"
		tail -n 20 "$WORK/minio.log" >&2 || true
		kill -KILL "$MINIO_PID" 2>/dev/null || true
		wait "$MINIO_PID" 2>/dev/null || true
	done
	die "could not start MinIO"
}

main() {
	if [[ $# -eq 0 ]]; then
		die "usage: $0 COMMAND [ARG...] | --install-only"
	fi
	local ci=false
	[[ "${CI:-}" == "true" ]] && ci=true
	if [[ "$1" == "--install-only" ]]; then
		install_minio || die "cannot install MinIO (see above)"
		log "MinIO is at $MINIO_BIN"
		return 0
	fi
	if ! install_minio; then
		if $ci; then
			die "CI=true and MinIO is not available (see above)"
		fi
		log "warning: MinIO is not available; running without it (S3 tests will skip)"
		exec "$@"
	fi

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	start_minio

	export RESULTGEN_TEST_S3_ENDPOINT="127.0.0.1:$PORT"
	export AWS_ACCESS_KEY_ID="$ROOT_USER"
	export AWS_SECRET_ACCESS_KEY="$ROOT_PASSWORD"
	export AWS_REGION=us-east-1
	export RESULTGEN_TEST_MINIO_BIN="$MINIO_BIN"
	export RESULTGEN_TEST_MINIO_DATA="$WORK/data"
	export RESULTGEN_TEST_MINIO_CONSOLE="127.0.0.1:$CONSOLE_PORT"
	export RESULTGEN_TEST_MINIO_PID="$MINIO_PID"
	export RESULTGEN_TEST_MINIO_PIDFILE="$WORK/minio.pid"
	# Settings that would send the S3 client elsewhere must not leak in.
	unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN AWS_PROFILE

	local status=0
	"$@" || status=$?
	return "$status"
}

main "$@"
