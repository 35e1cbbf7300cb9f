#!/usr/bin/env bash
# bench-peers.sh: time one workload through resultgen and through DBOS
# Transact Go (bench/peers), against a throw-away Postgres and MinIO.
#
# Usage:
#   scripts/bench-peers.sh [FLAG...]    FLAGs go to bench/peers (-steps, -size,
#                                       -reps, -warmup); see `go run . -h` there
#
# bench/peers is a Go module of its own (so the main module never depends on
# DBOS); it uses this checkout through a replace directive. The script first
# regenerates its result_gen.go (its code versions follow this checkout's
# runtime code) and vets it.
#
# Postgres: the binaries come from Debian's postgresql package; when initdb
# is missing the script installs it (`apt-get install -y postgresql`, as
# root). The server runs as an unprivileged user (root cannot run postgres:
# as root the script uses the `postgres` user the package creates), on
# 127.0.0.1 and a free port, with its socket and a new data folder in a
# temporary folder, trust authentication, and Postgres's default durability
# (fsync and synchronous_commit on; resultgen's local store fsyncs too).
# The program gets:
#
#   BENCH_PEERS_DATABASE_URL    postgres://USER@127.0.0.1:PORT/bench_peers?sslmode=disable
#
# MinIO: the program runs under scripts/with-minio.sh, which starts a local
# MinIO (and builds it into .bin on first use) and exports
# RESULTGEN_TEST_S3_ENDPOINT and the AWS credentials; without MinIO the S3
# columns print "-".
#
# Afterwards Postgres is always stopped and its folder removed; the script
# exits with the program's status.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=common.sh
. "$ROOT/scripts/common.sh" # log, die, port_in_use, free_port
BENCH="$ROOT/bench/peers"


# pg_bindir prints the folder holding initdb and pg_ctl (the newest
# version under /usr/lib/postgresql, else pg_config's), or nothing.
pg_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
	done
	if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		[[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && best=$d
	fi
	[[ -n "$best" ]] && printf '%s\n' "$best"
	return 0
}

install_postgres() {
	local d
	d=$(pg_bindir)
	if [[ -n "$d" ]]; then
		PGBIN=$d
		return 0
	fi
	[[ $(id -u) -eq 0 ]] || die "Postgres is not installed and installing it needs root: apt-get install -y postgresql"
	log "installing Postgres from Debian packages (apt-get install -y postgresql)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; } ||
		die "apt-get install -y postgresql failed"
	d=$(pg_bindir)
	[[ -n "$d" ]] || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
	PGBIN=$d
}


# as_pg runs a command as the database user: root cannot run Postgres.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u "$PGUSER_OS" -- "$@"
	else
		"$@"
	fi
}

WORK=""
PG_STARTED=false
cleanup() {
	if [[ -n "$WORK" ]]; then
		if $PG_STARTED; then
			as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
		fi
		rm -rf "$WORK"
	fi
}

start_postgres() {
	PGUSER_OS=$(id -un)
	if [[ $(id -u) -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root and there is no postgres user to run the server as"
		PGUSER_OS=postgres
	fi
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-peers-pg.XXXXXX")
	chmod 755 "$WORK"
	[[ $(id -u) -eq 0 ]] && chown "$PGUSER_OS" "$WORK"
	as_pg "$PGBIN/initdb" -D "$WORK/data" -U "$PGUSER_OS" --auth=trust -E UTF8 --no-instructions >"$WORK/initdb.log" 2>&1 ||
		{
			cat "$WORK/initdb.log" >&2
			die "initdb failed"
		}
	local attempt
	for attempt in 1 2 3 4 5; do
		PGPORT_=$(free_port) || die "no free loopback port"
		if as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $PGPORT_ -k $WORK" start >/dev/null 2>&1; then
			PG_STARTED=true
			log "Postgres $("$PGBIN/postgres" --version | awk '{print $3}') ready at 127.0.0.1:$PGPORT_ (data $WORK/data)"
			as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT_" -U "$PGUSER_OS" bench_peers ||
				die "createdb bench_peers failed"
			return 0
		fi
		log "Postgres did not start on 127.0.0.1:$PGPORT_ (attempt $attempt); its log:"
		tail -n 20 "$WORK/postgres.log" >&2 || true
	done
	die "could not start Postgres"
}

main() {
	command -v go >/dev/null 2>&1 || die "go is not on PATH"
	cd "$BENCH"
	# The checkout is replaced in as a local module, so the code versions in
	# result_gen.go follow the runtime's code: regenerate before every run.
	go tool resultgen .
	go vet .
	go build -o /dev/null .

	install_postgres
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	start_postgres
	export BENCH_PEERS_DATABASE_URL="postgres://$PGUSER_OS@127.0.0.1:$PGPORT_/bench_peers?sslmode=disable"

	local status=0
	"$ROOT/scripts/with-minio.sh" go run . "$@" || status=$?
	return "$status"
}

main "$@"
