package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"sync"
)

// BootID names the machine this process runs on, as of its last boot, and
// the process ids it can see: 16 hex digits of the SHA-256 of the Linux
// boot id (/proc/sys/kernel/random/boot_id, new at every boot) and of the
// process's pid namespace (/proc/self/ns/pid). Two processes have the same
// BootID exactly when they run on one machine since its last boot and see
// each other's process ids (containers with their own pid namespace
// differ), so one can tell whether a process id the other recorded is
// still running. It is "" where the system has no boot id (outside
// Linux): then no process of another is ever provably gone.
//
// Local's temporary files carry their writer's pid and BootID in their
// names, and S3 leases in their bodies (see ProcessGone).
func BootID() string { return bootID() }

var bootID = sync.OnceValue(func() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(string(boot))
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("resultgen-boot/v1\x00" + id + "\x00" + ns))
	return hex.EncodeToString(sum[:8])
})

// ProcessGone reports whether process pid, recorded along with boot (the
// BootID of the process that recorded it), is provably not running: boot
// is this process's own BootID, not "", and no process pid exists. A pid
// recorded on another machine, before the last boot, or in another pid
// namespace is never provably gone; neither is one that runs (it may be
// another program that reused the number).
func ProcessGone(boot string, pid int) bool {
	return pid > 0 && boot != "" && boot == BootID() && pid != os.Getpid() && !processAlive(pid)
}

// isLowerHex reports whether s is n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
