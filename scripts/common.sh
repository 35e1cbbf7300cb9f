# shellcheck shell=bash
# Sourced by the scripts that start local servers (with-minio.sh,
# bench-peers.sh): their messages and their ports.

# log prints a message on stderr, after the script's name; die logs an error
# and exits 1.
log() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
	(
		exec 2>/dev/null
		exec 3<>"/dev/tcp/127.0.0.1/$1"
	)
}

# free_port prints a loopback port nobody listens on (the server's own bind
# is the final check: callers retry on a clash).
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! port_in_use "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}
