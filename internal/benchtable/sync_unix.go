//go:build unix

package main

import (
	"syscall"
	"time"
)

// syncAll asks the kernel to write every dirty page and inode back (sync(2)),
// so that the next measured write does not pay for an earlier one's writeback.
func syncAll() { syscall.Sync() }

// cpuTime is this process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
