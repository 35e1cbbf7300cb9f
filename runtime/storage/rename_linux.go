package storage

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames from to to, both names in the folder dir, unless
// to exists (an error matching fs.ErrExist): renameat2 with
// RENAME_NOREPLACE, one atomic call. errNoReplace: the kernel or file
// system cannot (EINVAL, ENOSYS).
func renameNoReplace(dir *os.File, from, to string) error {
	c, err := dir.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := c.Control(func(fd uintptr) {
		rerr = unix.Renameat2(int(fd), from, int(fd), to, unix.RENAME_NOREPLACE)
	}); err != nil {
		return err
	}
	switch {
	case rerr == nil:
		return nil
	case errors.Is(rerr, unix.EINVAL), errors.Is(rerr, unix.ENOSYS):
		return errNoReplace
	case errors.Is(rerr, unix.EEXIST):
		return fs.ErrExist
	}
	return &os.LinkError{Op: "renameat2", Old: from, New: to, Err: rerr}
}
