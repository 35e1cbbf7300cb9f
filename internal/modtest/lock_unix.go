//go:build unix

package modtest

import (
	"os"
	"syscall"
)

// lock takes an exclusive lock on the file at path (made if missing)
// without waiting: ok is false when another process holds it.
func lock(path string) (unlock func(), ok bool) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
