package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Housekeeper is implemented by stores that keep files of their own beside
// the objects, which a killed process can leave behind: Local's temporary
// files of writes and its lock files. List never shows them.
type Housekeeper interface {
	// Temps yields the store's own files, in path order.
	Temps(ctx context.Context) iter.Seq2[Temp, error]
	// RemoveTemp removes t when it is still stale (see Temp.Stale), and
	// reports whether it did; a file that is gone already is no error.
	RemoveTemp(ctx context.Context, t Temp) (bool, error)
}

// TempKind tells a store's own files apart.
type TempKind string

const (
	TempWrite TempKind = "temporary" // the temporary file of a Put
	TempLock  TempKind = "lock"      // a lock file (Locker)
)

// Temp is one of a store's own files.
type Temp struct {
	Name     string // slash-separated path from the store's base: "reports/.tmp-4242-5f2a9c1e00aa11bb-00ff…"
	Kind     TempKind
	Size     int64
	Modified time.Time
	// PID is the process that created a temporary file, from its name
	// (see TempName); 0 when unknown (lock files, and temporary files
	// named by the first versions: .tmp-<random>).
	PID int
	// Boot is the BootID in a temporary file's name: its writer's machine,
	// boot and pid namespace; "" when the name has none.
	Boot string
	// Here: the writer ran on this machine since its last boot and in this
	// pid namespace (its name carries this process's BootID), so whether
	// PID runs tells whether the writer is alive.
	Here bool
	// Alive: the process PID is running on this host (it may be another
	// program that reused the number; then the file is kept a while
	// longer). Always false for a file of another machine or boot (Here
	// false with a BootID in its name), whose PID means nothing here.
	Alive bool
	// Stale: removing the file harms no one. A temporary file is stale
	// when its writer is provably gone (Here, and PID not running), or,
	// when that cannot be told, when it was last written more than
	// StaleTempAge ago and its writer is not alive on this host; a lock
	// file when nobody holds it.
	Stale bool
}

// Age is how long ago the file was last written.
func (t Temp) Age(now time.Time) time.Duration { return now.Sub(t.Modified) }

// StaleTempAge is how long a temporary file must have gone unwritten
// before it may be removed when its writer cannot be shown gone: a file of
// another machine (a folder shared over the network), or named by an older
// version without a BootID. A Put writes its temporary file as the value
// streams in and renames it within moments of the last byte, so an hour
// of silence means its writer died. A writer on another host sharing the
// folder is protected by the age alone: its Put would fail (the rename
// finds no file), never commit a wrong record.
const StaleTempAge = time.Hour

// TempName tells whether name (a file name, without folders) is one of
// the names Local gives its temporary files, and what it says of the
// writer. The grammar, every number in decimal without a sign and every
// hex digit lower case:
//
//	.tmp-<pid>-<BootID: 16 hex>-<random: 16 hex>   (written now where BootID is known)
//	.tmp-<pid>-<random: 16 hex>                    (where it is not, and by earlier versions)
//	.tmp-<random: 16 hex>                          (the first versions)
//
// Any other name, even one starting with ".tmp-", is not resultgen's: it
// is never listed by Temps nor removed. pid is 0 and boot "" where the
// name has none.
func TempName(name string) (pid int, boot string, ok bool) {
	rest, found := strings.CutPrefix(name, tmpPrefix)
	if !found {
		return 0, "", false
	}
	parts := strings.Split(rest, "-")
	if !isLowerHex(parts[len(parts)-1], 16) {
		return 0, "", false
	}
	switch len(parts) {
	case 1:
		return 0, "", true
	case 2, 3:
		pid, ok := decimalPID(parts[0])
		if !ok {
			return 0, "", false
		}
		if len(parts) == 3 {
			if !isLowerHex(parts[1], 16) {
				return 0, "", false
			}
			boot = parts[1]
		}
		return pid, boot, true
	}
	return 0, "", false
}

// decimalPID reads a process id as createTemp writes it.
func decimalPID(s string) (int, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	pid, err := strconv.Atoi(s)
	return pid, err == nil && pid > 0
}

// judgeTemp fills a temporary file's PID, Here, Alive and Stale from its
// name (base: a name TempName accepts) and age.
func judgeTemp(t *Temp, base string, now time.Time) {
	pid, boot, _ := TempName(base)
	t.PID, t.Boot = pid, boot
	t.Here = pid != 0 && boot != "" && boot == BootID()
	switch {
	case t.Here:
		t.Alive = pid == os.Getpid() || processAlive(pid)
		t.Stale = !t.Alive
	case boot != "":
		// Another machine, boot or pid namespace: PID means nothing here.
		t.Alive = false
		t.Stale = t.Age(now) > StaleTempAge
	default:
		t.Alive = pid != 0 && processAlive(pid)
		t.Stale = !t.Alive && t.Age(now) > StaleTempAge
	}
}

// sweep removes the stale temporary files of folder dir ("." for the
// base). Put calls it for each folder it writes to, the first time this
// Local writes there: a killed writer's file sits beside the key it was
// writing, and the next run writes the same keys. That bounds the work to
// one read of each folder the process writes to, instead of a walk of the
// whole tree on every open (a store may hold millions of records), and
// leaves stores that are only read (results ls) untouched. `results prune
// -tmp` walks the whole tree on demand. Errors are ignored: the sweep is
// a courtesy, never a reason for a Put to fail.
func (l *Local) sweep(ctx context.Context, dir string) {
	d, err := l.root.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	now := time.Now()
	for ctx.Err() == nil {
		entries, err := d.ReadDir(1024)
		for _, e := range entries {
			if _, _, ok := TempName(e.Name()); !ok {
				continue
			}
			_, _ = l.removeStaleTemp(filepath.Join(dir, e.Name()), e.Name(), now)
		}
		if err != nil {
			return
		}
	}
}

// sweepLocks removes idle lock files (left by killed holders).
func (l *Local) sweepLocks(ctx context.Context) {
	d, err := l.root.Open(lockDir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	_ = d.Close()
	for _, n := range names {
		if ctx.Err() != nil {
			return
		}
		if strings.HasSuffix(n, ".lock") {
			_, _ = l.removeIdleLock(filepath.Join(lockDir, n))
		}
	}
}

// removeIdleLock removes the lock file name when nobody holds it, by the
// rule of Lock: only the holder of the lock on the file the path names
// removes it. It takes the lock without waiting, checks that the path
// still names the file, removes it, and unlocks. A Lock that opened the
// file meanwhile finds it gone once it gets the lock, and starts over.
func (l *Local) removeIdleLock(name string) (bool, error) {
	f, err := l.root.OpenFile(name, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if ok, err := tryFlock(f); err != nil || !ok {
		return false, err // held
	}
	defer funlock(f)
	if same, err := l.names(name, f); err != nil || !same {
		return false, err
	}
	if err := l.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// Temps yields Local's temporary files (anywhere in the tree) and lock
// files, in path order, each judged (Temp.Stale). Judging a lock file
// takes its lock for a moment, without waiting.
func (l *Local) Temps(ctx context.Context) iter.Seq2[Temp, error] {
	return func(yield func(Temp, error) bool) {
		if l.root == nil {
			return // the folder does not exist
		}
		now := time.Now()
		l.walkTemps(ctx, ".", now, yield)
	}
}

// walkTemps yields the temporary and lock files under folder dir ("." for
// the base) in path order; it reports whether to go on. Like walk, it holds
// a bounded number of names however large a folder is, and it keeps only
// folders and the names of temporary files (records are not spilled).
// Symbolic links are not followed.
func (l *Local) walkTemps(ctx context.Context, dir string, now time.Time, yield func(Temp, error) bool) bool {
	if err := ctx.Err(); err != nil {
		return yield(Temp{}, fmt.Errorf("storage: temporary files of %s: %w", l, err))
	}
	d, err := l.root.Open(filepath.FromSlash(dir))
	if err != nil {
		if dir == "." {
			return yield(Temp{}, fmt.Errorf("storage: temporary files of %s: %w", l, err))
		}
		return true // vanished meanwhile, or unreadable: not ours to judge
	}
	defer d.Close()
	keep := func(name string, isDir bool) bool {
		if isDir {
			return true
		}
		_, _, ok := TempName(name)
		return ok // not ours, whatever it starts with
	}
	noLinks := func(string) bool { return false }
	for it, err := range sortedDir(d, keep, noLinks, l.sortRun()) {
		if err != nil {
			if dir == "." {
				return yield(Temp{}, fmt.Errorf("storage: temporary files of %s: %w", l, err))
			}
			return true
		}
		p := path.Join(dir, it.name)
		switch {
		case it.dir && p == lockDir:
			if !l.lockFiles(now, yield) {
				return false
			}
		case it.dir:
			if !l.walkTemps(ctx, p, now, yield) {
				return false
			}
		default:
			fi, err := l.root.Lstat(filepath.FromSlash(p))
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			t := Temp{Name: p, Kind: TempWrite, Size: fi.Size(), Modified: fi.ModTime()}
			judgeTemp(&t, it.name, now)
			if !yield(t, nil) {
				return false
			}
		}
	}
	return true
}

// lockFiles yields the lock files in name order, judging each by trying
// its lock; it reports whether to go on.
func (l *Local) lockFiles(now time.Time, yield func(Temp, error) bool) bool {
	d, err := l.root.Open(lockDir)
	if err != nil {
		return true
	}
	defer d.Close()
	keep := func(name string, isDir bool) bool { return !isDir && strings.HasSuffix(name, ".lock") }
	for it, err := range sortedDir(d, keep, func(string) bool { return false }, l.sortRun()) {
		if err != nil {
			return true
		}
		t := Temp{Name: path.Join(lockDir, it.name), Kind: TempLock}
		fi, err := l.root.Lstat(filepath.FromSlash(t.Name))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		t.Size, t.Modified = fi.Size(), fi.ModTime()
		if f, err := l.root.OpenFile(filepath.FromSlash(t.Name), os.O_RDWR, 0); err == nil {
			if ok, _ := tryFlock(f); ok {
				t.Stale = true
				_ = funlock(f)
			}
			_ = f.Close()
		}
		if !yield(t, nil) {
			return false
		}
	}
	return true
}

// RemoveTemp removes t, found by Temps, after judging it again: a
// temporary file only while stale, a lock file only while nobody holds it.
func (l *Local) RemoveTemp(ctx context.Context, t Temp) (bool, error) {
	if l.root == nil {
		return false, l.absent("remove", t.Name)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	name := filepath.FromSlash(t.Name)
	base := path.Base(t.Name)
	switch {
	case t.Kind == TempLock && path.Dir(t.Name) == lockDir && strings.HasSuffix(base, ".lock"):
		return l.removeIdleLock(name)
	case t.Kind == TempWrite && isTempName(base):
		return l.removeStaleTemp(name, base, time.Now())
	}
	return false, fmt.Errorf("storage: %s is not a temporary or lock file of %s", t.Name, l)
}

func isTempName(base string) bool {
	_, _, ok := TempName(base)
	return ok
}

// removeStaleTemp removes the temporary file name (base: its last element,
// a name TempName accepts) when it is a regular file and stale (judgeTemp)
// at now. A file gone meanwhile is not an error.
func (l *Local) removeStaleTemp(name, base string, now time.Time) (bool, error) {
	if !isTempName(base) {
		return false, nil
	}
	fi, err := l.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, nil
	}
	t := Temp{Kind: TempWrite, Modified: fi.ModTime()}
	if judgeTemp(&t, base, now); !t.Stale {
		return false, nil
	}
	if err := l.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}
