package storage

import (
	"context"
	"errors"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var _ WholeGetter = (*Local)(nil)

// GetWhole reads a small file in four system calls (openat2, fstat, read,
// close), with no *os.File: the key is resolved beneath the base folder
// (RESOLVE_BENEATH: no "..", no absolute or escaping symbolic link), and
// must name a regular file. Anything else (an older kernel, a symbolic
// link the kernel refuses, a missing file, a larger one) is ok false: Get
// then resolves the key through the store's os.Root as always and reports
// what it finds.
func (l *Local) GetWhole(ctx context.Context, key string, max int64) ([]byte, Info, bool) {
	if l.begin(ctx, "get", key) != nil {
		return nil, Info{}, false
	}
	l.wholeOnce.Do(func() {
		if d, err := l.root.Open("."); err == nil {
			l.wholeDir = d
		}
	})
	if l.wholeDir == nil {
		return nil, Info{}, false
	}
	rc, err := l.wholeDir.SyscallConn()
	if err != nil {
		return nil, Info{}, false
	}
	var (
		b    []byte
		info Info
		ok   bool
	)
	// Control holds the folder's descriptor open while it runs.
	if rc.Control(func(dir uintptr) { b, info, ok = readWhole(int(dir), key, max) }) != nil || !ok {
		return nil, Info{}, false
	}
	info.Key = key
	return b, info, true
}

// readWhole reads the regular file at name beneath dir when it has at most
// max bytes.
func readWhole(dir int, name string, max int64) ([]byte, Info, bool) {
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY, Resolve: unix.RESOLVE_BENEATH}
	var fd int
	var err error
	for {
		if fd, err = openBeneath(dir, name, &how); !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, Info{}, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	for {
		if err = unix.Fstat(fd, &st); !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size > max || st.Size <= 0 {
		return nil, Info{}, false
	}
	b := make([]byte, st.Size)
	for n := 0; n < len(b); {
		m, err := unix.Read(fd, b[n:])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil || m <= 0:
			return nil, Info{}, false // cut short meanwhile: Get tells
		}
		n += m
	}
	return b, Info{Size: st.Size, Modified: time.Unix(st.Mtim.Unix())}, true
}

// openBeneath is unix.Openat2 with the name's NUL-terminated copy on the
// stack rather than on the heap (unix.BytePtrFromString), for names up to
// MaxKeyLen bytes. Serves P3's local hit: one allocation fewer a read
// (BenchmarkWrapperHit1KiB/local, 9 -> 8).
func openBeneath(dir int, name string, how *unix.OpenHow) (int, error) {
	var buf [MaxKeyLen + 1]byte
	if len(name) >= len(buf) || strings.IndexByte(name, 0) >= 0 {
		return unix.Openat2(dir, name, how)
	}
	copy(buf[:], name) // the byte after it is 0
	fd, _, errno := unix.Syscall6(unix.SYS_OPENAT2, uintptr(dir), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(how)), unsafe.Sizeof(*how), 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}
