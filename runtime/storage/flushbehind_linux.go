package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback returns a function that starts the device writes of a
// range of f with sync_file_range(SYNC_FILE_RANGE_WRITE), which returns
// once the writes are queued, without waiting for them. It reports false
// when the call fails (a file system or sandbox without it): Put stops
// asking, and its fsync writes everything, as it always does.
func startWriteback(f *os.File) func(off, n int64) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	return func(off, n int64) bool {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
		}); err != nil {
			return false
		}
		return serr == nil
	}
}
