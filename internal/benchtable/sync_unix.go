//go:build unix

package main

import "syscall"

// syncAll asks the kernel to write every dirty page and inode back (sync(2)),
// so that the next measured write does not pay for an earlier one's writeback.
func syncAll() { syscall.Sync() }
