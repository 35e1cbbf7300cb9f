package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Local stores each key as the file BASE/KEY. See the package doc for its
// guarantees. It is safe for concurrent use, also by several processes.
type Local struct {
	base  string
	root  *os.Root // nil: the folder did not exist when opened with NoCreate
	locks KeyMutex

	swept     sync.Map  // folder -> true: its stale temporary files were removed
	lockSweep sync.Once // idle lock files were removed
	// linkOnly: write-if-absent links and unlinks, renameat2 with
	// RENAME_NOREPLACE being unsupported here (or switched off by a test)
	linkOnly atomic.Bool

	// listRun, when > 0, replaces sortRun (tests spill small folders)
	listRun int

	wholeOnce sync.Once
	wholeDir  *os.File // the base folder, opened through root, for GetWhole; nil: unavailable
}

// errNoReplace: renameat2 with RENAME_NOREPLACE is not available.
var errNoReplace = errors.New("rename without replacing is not supported")

var (
	_ Storage       = (*Local)(nil)
	_ RangeGetter   = (*Local)(nil)
	_ Locker        = (*Local)(nil)
	_ LockInspector = (*Local)(nil)
	_ Housekeeper   = (*Local)(nil)
	_ Toucher       = (*Local)(nil)
)

const (
	fileMode = 0o600
	dirMode  = 0o700
)

// NewLocal opens (creating it 0700 when missing) the folder base as a store.
// A relative base resolves against the working directory now.
func NewLocal(base string) (*Local, error) {
	return OpenLocal(base, LocalOptions{})
}

// LocalOptions are the options of OpenLocal.
type LocalOptions struct {
	// NoCreate leaves a missing folder alone: the store then holds
	// nothing. Its reads answer ErrNotFound, List and Temps list nothing,
	// and writes and locks fail, for as long as it is open, so looking at
	// a store never creates it.
	NoCreate bool
}

// OpenLocal opens the folder base as a store, creating it 0700 when missing
// unless opts.NoCreate. A relative base resolves against the working
// directory now.
func OpenLocal(base string, opts LocalOptions) (*Local, error) {
	if base == "" {
		return nil, errors.New("storage: local: empty base path")
	}
	abs, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("storage: local %q: %w", base, err)
	}
	if opts.NoCreate {
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return &Local{base: abs}, nil
		}
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("storage: local: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("storage: local: %w", err)
	}
	return &Local{base: abs, root: root}, nil
}

// Base returns the store's absolute base folder.
func (l *Local) Base() string { return l.base }

// String returns "local:" followed by the base folder.
func (l *Local) String() string { return "local:" + l.base }

// Location is the path of key's file.
func (l *Local) Location(key string) string {
	return filepath.Join(l.base, filepath.FromSlash(key))
}

// Close releases the base folder's handle; the store is unusable afterwards.
func (l *Local) Close() error {
	if l.root == nil {
		return nil
	}
	l.wholeOnce.Do(func() {}) // no GetWhole opens the folder after this
	if l.wholeDir != nil {
		_ = l.wholeDir.Close()
	}
	return l.root.Close()
}

// ready checks what every keyed operation checks first: a valid key, and
// a folder that exists (see absent).
func (l *Local) ready(op, key string) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	if l.root == nil {
		return l.absent(op, key)
	}
	return nil
}

// begin is ready, then a live ctx: the preamble of every keyed operation
// but Lock, whose wait watches ctx itself.
func (l *Local) begin(ctx context.Context, op, key string) error {
	if err := l.ready(op, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %q: %w", op, ShortKey(key), err)
	}
	return nil
}

// absent is the error of an operation on a store whose folder did not
// exist when it was opened with NoCreate: ErrNotFound for reads.
func (l *Local) absent(op, key string) error {
	switch op {
	case "put", "lock":
		return fmt.Errorf("%s %q: the folder %s does not exist (the store was opened without creating it)", op, ShortKey(key), l.base)
	}
	return fmt.Errorf("%s %q: %w (the folder %s does not exist)", op, ShortKey(key), ErrNotFound, l.base)
}

// Put writes body to a hidden temporary file beside the key's file, fsyncs
// it, then renames it into place and fsyncs the folder. With IfAbsent the
// rename fails when the key exists: renameat2 with RENAME_NOREPLACE on
// Linux, else (or where the file system refuses it) a link of the
// temporary file to the key, which fails when the key exists, and its
// removal. opts.Metadata is not kept.
func (l *Local) Put(ctx context.Context, key string, body io.Reader, opts PutOptions) (err error) {
	if err := l.begin(ctx, "put", key); err != nil {
		return err
	}
	name := filepath.FromSlash(key)
	dir := filepath.Dir(name)
	if dir != "." {
		if err := l.root.MkdirAll(dir, dirMode); err != nil {
			return l.fail("put", key, err)
		}
	}
	if _, done := l.swept.LoadOrStore(dir, true); !done {
		l.sweep(ctx, dir)
	}
	tmp, f, err := l.createTemp(dir)
	if err != nil {
		return l.fail("put", key, err)
	}
	var d *os.File  // the folder, opened to commit (IfAbsent) and fsync
	placed := false // tmp is now the key's file
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if d != nil {
			_ = d.Close()
		}
		if !placed {
			_ = l.root.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if !opts.NoSync && (opts.Size <= 0 || opts.Size >= flushEvery) {
		w = newFlushBehind(f) // not for a small record of known size: it would never start one
	}
	if _, err := copyCtx(ctx, w, body); err != nil {
		return fmt.Errorf("put %q: %w", ShortKey(key), err)
	}
	if !opts.NoSync {
		if err := f.Sync(); err != nil {
			return l.fail("put", key, err)
		}
	}
	cerr := f.Close()
	f = nil
	if cerr != nil {
		return l.fail("put", key, cerr)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %q: %w", ShortKey(key), err)
	}
	if opts.IfAbsent || !opts.NoSync {
		// the folder is needed by renameat2 and the folder's fsync only
		if d, err = l.root.Open(dir); err != nil {
			return l.fail("put", key, err)
		}
	}
	if opts.IfAbsent {
		if err := l.commitIfAbsent(d, tmp, name); err != nil {
			if errors.Is(err, fs.ErrExist) {
				if fi, serr := l.root.Lstat(name); serr == nil && fi.IsDir() {
					return fmt.Errorf("put %q: a folder of other keys is in the way", ShortKey(key))
				}
				return fmt.Errorf("put %q: %w", ShortKey(key), ErrExists)
			}
			return l.fail("put", key, err)
		}
	} else if err := l.root.Rename(tmp, name); err != nil {
		return l.fail("put", key, err)
	}
	placed = true
	if opts.NoSync {
		return nil
	}
	if err := d.Sync(); err != nil {
		return l.fail("put", key, err)
	}
	return nil
}

// commitIfAbsent moves the temporary file tmp to name, both in the folder
// d, unless name exists (an error matching fs.ErrExist). Linked, the
// temporary name is removed here.
func (l *Local) commitIfAbsent(d *os.File, tmp, name string) error {
	if !l.linkOnly.Load() {
		err := renameNoReplace(d, filepath.Base(tmp), filepath.Base(name))
		if !errors.Is(err, errNoReplace) {
			return err
		}
		l.linkOnly.Store(true)
	}
	if err := l.root.Link(tmp, name); err != nil {
		return err
	}
	_ = l.root.Remove(tmp)
	return nil
}

// createTemp creates the temporary file of a Put in dir, named
// .tmp-<pid>-<BootID>-<16 random hex digits>, or .tmp-<pid>-<16 random hex
// digits> where BootID is "" (see TempName), so that a file whose writer
// was killed can be told from one still being written.
func (l *Local) createTemp(dir string) (string, *os.File, error) {
	who := tmpPrefix + strconv.Itoa(os.Getpid()) + "-"
	if boot := BootID(); boot != "" {
		who += boot + "-"
	}
	for range 10 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, who+hex.EncodeToString(b[:]))
		f, err := l.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
	return "", nil, errors.New("cannot create a temporary file")
}

// fail wraps a file-system error: a missing file is ErrNotFound, a path
// leaving the base (through a symbolic link) is ErrInvalidKey, and a file
// where the key needs a folder ("not a directory") is named as such.
func (l *Local) fail(op, key string, err error) error {
	if errors.Is(err, syscall.ENOTDIR) {
		if file := l.fileInTheWay(key); file != "" {
			return fmt.Errorf("%s %q on %s: a file is in the way of the folder the key needs: %q is a file (a record of another key), not a folder; choose a key that does not extend another key as a folder, or move %s away",
				op, ShortKey(key), l, ShortKey(file), filepath.Join(l.base, filepath.FromSlash(file)))
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %q: %w", op, ShortKey(key), ErrNotFound)
	case strings.Contains(err.Error(), "path escapes from parent"):
		return fmt.Errorf("%s %q: %w: resolves outside %s", op, ShortKey(key), ErrInvalidKey, l.base)
	}
	return fmt.Errorf("%s %q: %w", op, ShortKey(key), err)
}

// fileInTheWay returns the first folder of key's path that is a file, or "".
func (l *Local) fileInTheWay(key string) string {
	segs := strings.Split(key, "/")
	for i := 1; i < len(segs); i++ {
		p := strings.Join(segs[:i], "/")
		fi, err := l.root.Lstat(filepath.FromSlash(p))
		if err != nil {
			return ""
		}
		if !fi.IsDir() {
			return p
		}
	}
	return ""
}

// open opens the file of key for reading; a folder is not an object.
func (l *Local) open(op, key string) (*os.File, fs.FileInfo, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, nil, err
	}
	f, err := l.root.Open(filepath.FromSlash(key))
	if err != nil {
		return nil, nil, l.fail(op, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, l.fail(op, key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, fmt.Errorf("%s %q: %w", op, ShortKey(key), ErrNotFound)
	}
	return f, fi, nil
}

// Get opens the file of key.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := l.begin(ctx, "get", key); err != nil {
		return nil, err
	}
	f, fi, err := l.open("get", key)
	if err != nil {
		return nil, err
	}
	return &localReader{File: f, info: Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()}}, nil
}

// localReader is what Get returns: the open file, and the size and
// modification time open's fstat saw (ObjectInfo, see OpenInfo), so a
// reader learns them without another system call.
type localReader struct {
	*os.File
	info Info
}

func (r *localReader) ObjectInfo() Info { return r.info }

// GetRange reads length bytes of key's file from offset (to the end when
// length < 0); a range past the end is cut short.
func (l *Local) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := l.begin(ctx, "get", key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("get %q: negative offset %d", ShortKey(key), offset)
	}
	f, _, err := l.open("get", key)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, l.fail("get", key, err)
	}
	if length < 0 {
		return f, nil
	}
	return readCloser{io.LimitReader(f, length), f}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Stat describes key's file; Metadata is always nil.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if err := l.begin(ctx, "stat", key); err != nil {
		return Info{}, err
	}
	fi, err := l.root.Stat(filepath.FromSlash(key))
	if err != nil {
		return Info{}, l.fail("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("stat %q: %w", ShortKey(key), ErrNotFound)
	}
	return Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil
}

// Touch sets the modification time of key's file to t (see Toucher).
func (l *Local) Touch(ctx context.Context, key string, t time.Time) error {
	if err := l.begin(ctx, "touch", key); err != nil {
		return err
	}
	if err := l.root.Chtimes(filepath.FromSlash(key), t, t); err != nil {
		return l.fail("touch", key, err)
	}
	return nil
}

// Delete removes key's file. Emptied folders stay.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := l.begin(ctx, "delete", key); err != nil {
		return err
	}
	name := filepath.FromSlash(key)
	fi, err := l.root.Lstat(name)
	if err != nil {
		return l.fail("delete", key, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("delete %q: %w", ShortKey(key), ErrNotFound)
	}
	if err := l.root.Remove(name); err != nil {
		return l.fail("delete", key, err)
	}
	return nil
}

// List walks the folder tree under the prefix in key order, skipping
// temporary files, lock files, folders and files whose names are not valid
// keys.
func (l *Local) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		if err := ValidatePrefix(prefix); err != nil {
			yield(Info{}, err)
			return
		}
		if l.root == nil {
			return // the folder does not exist
		}
		start := "."
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			start = prefix[:i]
		}
		fi, err := l.root.Stat(filepath.FromSlash(start))
		if err != nil || !fi.IsDir() {
			return // nothing under the prefix
		}
		l.walk(ctx, start, prefix, yield)
	}
}

// sortRun is how many names of a folder a listing sorts in memory.
func (l *Local) sortRun() int {
	if l.listRun > 0 {
		return l.listRun
	}
	return sortRun
}

// walk yields the keys under folder dir ("." for the base) that start with
// prefix; it reports whether to go on. Its memory does not grow with the
// size of a folder (see sortedDir), and it looks at a file's size and time
// only when it yields it.
func (l *Local) walk(ctx context.Context, dir, prefix string, yield func(Info, error) bool) bool {
	if err := ctx.Err(); err != nil {
		return yield(Info{}, fmt.Errorf("list %q: %w", prefix, err))
	}
	d, err := l.root.Open(filepath.FromSlash(dir))
	if errors.Is(err, fs.ErrNotExist) && dir != "." {
		return true // removed since its parent was read
	}
	if err != nil {
		return yield(Info{}, l.fail("list", dir, err))
	}
	defer d.Close()
	keyOf := func(name string) string {
		if dir == "." {
			return name
		}
		return path.Join(dir, name)
	}
	isDir := func(name string) bool {
		fi, err := l.root.Stat(filepath.FromSlash(keyOf(name))) // follows links that stay inside
		return err == nil && fi.IsDir()
	}
	for it, err := range sortedDir(d, keepListed(dir, prefix), isDir, l.sortRun()) {
		if err != nil {
			return yield(Info{}, l.fail("list", dir, err))
		}
		if err := ctx.Err(); err != nil {
			return yield(Info{}, fmt.Errorf("list %q: %w", prefix, err))
		}
		key := keyOf(it.name)
		if it.dir {
			if !l.walk(ctx, key, prefix, yield) {
				return false
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) || ValidateKey(key) != nil {
			continue
		}
		fi, err := l.root.Stat(filepath.FromSlash(key)) // follows links that stay inside
		if err != nil || !fi.Mode().IsRegular() {
			continue // vanished, a link leading outside the store, or not a file
		}
		if !yield(Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil) {
			return false
		}
	}
	return true
}

// Lock takes an exclusive lock on key, shared with other processes through
// flock(2) on BASE/.locks/<sha256 of key>.lock. The lock dies with its
// process, so ttl is not needed and ignored. Waiting ends when ctx is done.
//
// Lock files do not pile up: a holder removes its lock file when it
// releases the lock. Removing a file that others may be waiting on is the
// classic flock race (the waiter wakes up holding a lock on a file no
// longer at the path, while a newcomer creates and locks a fresh one), so
// Lock follows the lock-then-verify pattern:
//
//   - after flock succeeds, the holder checks that the path still names
//     the very file it locked (same inode, os.SameFile); if not (removed,
//     or removed and created anew), it drops that lock and starts over
//     with whatever is at the path now;
//   - the path is only ever removed by the holder of the lock on the file
//     it names, before it unlocks (here, and in removeIdleLock).
//
// So at any time at most one process holds a verified lock on the file
// the path names, and that is the only lock that counts. A waiter on a
// removed file just retries. Only a holder that dies (kill -9) leaves its
// file behind; the next Lock of this store (once per Local) and `results
// prune -tmp` remove such files when idle.
//
// The holder writes who it is into the file it holds (a small JSON
// object: pid, host, BootID, since), so a waiter can tell whom it waits
// for: Lock reports it to the storage.LockTrace of ctx (Waiting) when it
// starts waiting for another process, and again when a holder it could
// not read at first (one that has just taken the lock) becomes known.
func (l *Local) Lock(ctx context.Context, key string, ttl time.Duration) (func() error, error) {
	if err := l.ready("lock", key); err != nil {
		return nil, err
	}
	// flock is per open file, so two goroutines of this process would not
	// exclude each other through it: serialize them first.
	release, err := l.locks.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", ShortKey(key), err)
	}
	l.lockSweep.Do(func() { l.sweepLocks(ctx) })
	if err := l.root.MkdirAll(lockDir, dirMode); err != nil {
		release()
		return nil, l.fail("lock", key, err)
	}
	sum := sha256.Sum256([]byte(key))
	name := filepath.Join(lockDir, hex.EncodeToString(sum[:])+".lock")
	w := lockWaiter{trace: ContextLockTrace(ctx)}
	for {
		f, err := l.root.OpenFile(name, os.O_RDWR|os.O_CREATE, fileMode)
		if err != nil {
			release()
			return nil, l.fail("lock", key, err)
		}
		if err := flockWait(ctx, f, func() { w.busy(f) }); err != nil {
			_ = f.Close()
			release()
			return nil, fmt.Errorf("lock %q: %w", ShortKey(key), err)
		}
		same, err := l.names(name, f)
		if err != nil {
			_ = funlock(f)
			_ = f.Close()
			release()
			return nil, l.fail("lock", key, err)
		}
		if !same {
			// Its holder removed it while we waited: lock the current one.
			_ = funlock(f)
			_ = f.Close()
			continue
		}
		writeLockHolder(f)
		return sync.OnceValue(func() error {
			// Remove while still holding the lock (see above).
			err := l.root.Remove(name)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
			if uerr := funlock(f); err == nil {
				err = uerr
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			release()
			return err
		}), nil
	}
}

// LockHolder reports whether a process holds key's lock (see
// LockInspector): it tries the lock file's lock without waiting, and
// releases it at once when it gets it; a held file names its holder.
func (l *Local) LockHolder(ctx context.Context, key string) (LockHolder, bool, error) {
	if err := l.ready("lock holder", key); err != nil {
		return LockHolder{}, false, err
	}
	sum := sha256.Sum256([]byte(key))
	f, err := l.root.OpenFile(filepath.Join(lockDir, hex.EncodeToString(sum[:])+".lock"), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return LockHolder{}, false, nil
	}
	if err != nil {
		return LockHolder{}, false, l.fail("lock holder", key, err)
	}
	defer f.Close()
	free, err := tryFlock(f)
	if err != nil {
		return LockHolder{}, false, l.fail("lock holder", key, err)
	}
	if free {
		_ = funlock(f)
		return LockHolder{}, false, nil
	}
	h, _ := readLockHolder(f)
	return h, true, nil
}

// names reports whether the path name still names the open file f.
func (l *Local) names(name string, f *os.File) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	pi, err := l.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, pi), nil
}

// lockRecord is what a holder writes into its lock file.
type lockRecord struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host,omitempty"`
	Boot  string    `json:"boot,omitempty"` // BootID
	Since time.Time `json:"since"`
}

// writeLockHolder writes this process into the lock file f it holds. A
// failure is ignored: the lock holds all the same, its holder unknown.
func writeLockHolder(f *os.File) {
	host, _ := os.Hostname()
	b, err := json.Marshal(lockRecord{PID: os.Getpid(), Host: host, Boot: BootID(), Since: time.Now().UTC()})
	if err != nil {
		return
	}
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
}

// readLockHolder reads the holder a lock file names; ok is false while it
// names none (an empty file: its holder has just taken it, or is an older
// version) or cannot be read.
func readLockHolder(f *os.File) (LockHolder, bool) {
	var buf [1024]byte
	n, _ := f.ReadAt(buf[:], 0)
	var r lockRecord
	if n == 0 || json.Unmarshal(buf[:n], &r) != nil || r.PID <= 0 {
		return LockHolder{}, false
	}
	return LockHolder{Owner: fmt.Sprintf("%s/%d", r.Host, r.PID), Host: r.Host, PID: r.PID, Since: r.Since}, true
}

// lockWaiter reports to a LockTrace whom one Lock call waits for.
type lockWaiter struct {
	trace    *LockTrace
	said     bool
	known    bool
	reported LockHolder
}

// busy is called at each failed attempt on the lock file f: the first
// time it reports the holder (maybe unknown), later only a holder it had
// not reported (known at last, or another).
func (w *lockWaiter) busy(f *os.File) {
	if w.trace == nil || w.trace.Waiting == nil {
		return
	}
	h, ok := readLockHolder(f)
	if w.said && (!ok || w.known && sameHolder(h, w.reported)) {
		return
	}
	w.said, w.known, w.reported = true, ok, h
	w.trace.Waiting(h)
}

func sameHolder(a, b LockHolder) bool {
	return a.PID == b.PID && a.Host == b.Host && a.Since.Equal(b.Since)
}
