// Package storage defines where result records live: a small, context-aware
// blob-store interface with atomic writes, plus the key rules every backend
// enforces.
//
// # Keys
//
// A key is a relative, slash-separated path such as "hello-world.json" or
// "reports/2026/q1.msgpack". ValidateKey states the rules, and every backend
// refuses other keys with an error that wraps ErrInvalidKey before it touches
// anything. A key:
//   - is 1 to 1024 bytes of valid UTF-8, each segment at most 255 bytes (the
//     longest file name local file systems allow, so that a key valid in
//     one store is valid in every store);
//   - does not start or end with "/" and has no empty segment ("a//b");
//   - has no "." or ".." segment, not even with white space around it
//     (" .", ".. "): S3 servers such as MinIO trim a segment before they
//     refuse "." and "..";
//   - contains no backslash, NUL or other control character (U+0000-U+001F,
//     U+007F);
//   - has no segment starting with ".tmp-" and does not start with ".locks/"
//     or equal ".locks": the local backend keeps its temporary files and
//     lock files under those names, and the rule holds for every backend so
//     that a key valid in one store is valid in all;
//   - does not start with ".index/" or equal ".index": the runtime keeps one
//     small index object per task there (IndexKey), written through the
//     backends like a record (ValidateObjectKey accepts it) but never a
//     record key, so List skips it and `resultgen results` never shows it.
//   - does not start with ".uploads/" or equal ".uploads": the S3 backend
//     keeps one small marker object per multipart upload in progress there
//     (UploadsDir), so that its incomplete uploads can be found again.
//
// A list prefix follows the same rules, except that it may be empty and its
// last segment may be incomplete or empty ("reports/" and "reports/q" are
// prefixes).
//
// # Backends
//
//   - Local (NewLocal): one file per key at BASE/KEY, so `ls` shows the keys.
//     Put writes a hidden temporary file in the key's folder (on Linux it
//     starts the device writes of each 4 MiB as they are written, so the
//     fsync of a large record waits only for its tail), fsyncs it,
//     renames it into place and fsyncs the folder, so a reader sees the old
//     record or the new one, never half of one; IfAbsent links the temporary
//     file into place instead, so of concurrent writers exactly one wins.
//     Files are 0600 and folders 0700. Paths are resolved through os.Root: a
//     key can never reach outside BASE, not even through a symbolic link.
//     Local keeps no object metadata (Info.Metadata is nil).
//     A temporary file is named .tmp-<pid>-<BootID>-<random> (TempName
//     has the grammar): a writer killed mid-Put leaves it, and the first
//     Put of a store into that folder removes it once stale: at once when
//     its writer is provably gone (the name's BootID is this machine's
//     and its pid runs no more, see ProcessGone), else once unwritten for
//     StaleTempAge with no process of that pid on this host. A user's file
//     that merely starts with ".tmp-" is never touched. Lock files
//     (.locks/) are removed on release; each holds its holder's pid, host
//     and start (see Local.Lock). Local is a Housekeeper: Temps lists such
//     files and RemoveTemp removes the stale ones (`resultgen results ls
//     -all`, `prune -tmp`).
//   - Memory (NewMemory): a map, for tests and for results that need not
//     outlive the process. It keeps metadata.
//   - S3 (subpackage s3): any S3-compatible server.
//
// Local and Memory also implement RangeGetter and Locker.
//
// # Errors
//
// A backend's error names the operation and the key it was given, then the
// cause: `get "hello.json": not found` (S3's name the backend and endpoint
// too: `s3 get "hello.json": not found`). A caller wraps it with what only
// it knows (the task, the store) and does not name the key again. The
// causes callers branch on are the sentinels ErrNotFound, ErrExists,
// ErrInvalidKey and ErrLockLost (errors.Is); their own text is the bare
// cause ("not found"), as the operation's words come before it.
//
// # Testing a backend
//
// Package storagetest (runtime/storage/storagetest) holds the conformance
// suite every backend passes, a user's own included:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Storage { return newStore(t) })
//	}
package storage

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
)

// Errors every backend returns (wrapped) so callers can branch with errors.Is.
var (
	// ErrNotFound: no object at the key.
	ErrNotFound = errors.New("not found")
	// ErrExists: PutOptions.IfAbsent was set and an object is already there.
	ErrExists = errors.New("already exists")
	// ErrInvalidKey: the key breaks the key rules (see the package doc).
	ErrInvalidKey = rules.ErrInvalidKey
)

// Storage is a blob store for result records.
type Storage interface {
	// Put stores the whole of body at key. It is atomic: until Put returns nil,
	// readers see the previous object (or none); a failed or cancelled Put
	// leaves nothing behind. With opts.IfAbsent it fails with ErrExists when an
	// object is already at key, and of concurrent IfAbsent writers exactly one
	// wins.
	Put(ctx context.Context, key string, body io.Reader, opts PutOptions) error
	// Get opens the object at key for reading; ErrNotFound when absent.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object at key without reading its body.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object at key; ErrNotFound when absent.
	Delete(ctx context.Context, key string) error
	// List yields the objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
	// String names the store for logs and records: "local:/abs/path",
	// "memory", "s3://bucket/prefix".
	String() string
}

// PutOptions tune one Put.
type PutOptions struct {
	// IfAbsent makes the write conditional: it fails with ErrExists when the
	// key already holds an object.
	IfAbsent bool
	// Metadata is a small set of ASCII key/value pairs kept beside the object
	// and returned by Stat (S3 object metadata). Backends that cannot keep it
	// may drop it; callers must not depend on it being there.
	Metadata map[string]string
	// Size is the body's length when known, or -1. Backends may use it to
	// choose a transfer strategy.
	Size int64
	// NoSync: the object may be lost (never half-written) if the machine
	// crashes soon after; local storage then skips its fsyncs. For objects
	// that are only a convenience, such as the runtime's task index.
	NoSync bool
}

// Info describes one stored object.
type Info struct {
	Key      string
	Size     int64
	Modified time.Time
	// Metadata as given to Put, when the backend keeps it; nil otherwise.
	Metadata map[string]string
	// ETag is the server's tag of the object's content, as List gives it
	// (S3, quotes removed); "" when the store has none. See ContentMatcher.
	ETag string
}

// OpenInfo is implemented by the readers some stores' Get returns: what the
// store knew of the object it opened (Size and Modified; Metadata may be
// nil), so that a reader needs no Stat of its own.
type OpenInfo interface {
	ObjectInfo() Info
}

// RangeGetter is implemented by stores that can read part of an object, so
// that a record's trailer can be read without its payload.
type RangeGetter interface {
	// GetRange reads length bytes from offset; length < 0 reads to the end.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// BytesGetter is implemented by stores that keep objects in memory and can
// hand one out whole without copying it (Memory).
type BytesGetter interface {
	// GetBytes returns the object's bytes and what the store knows of it
	// (Size and Modified), with Get's errors. The bytes are the store's own
	// and never change (a Put stores a fresh slice): the caller must never
	// modify them, nor hand out a value that aliases them to code that may.
	GetBytes(ctx context.Context, key string) ([]byte, Info, error)
}

// MemoGetter is implemented by stores that keep objects in memory and
// keep, with each object, a Memo: a slot for what a reader derived from the
// object's bytes (record keeps the verified header there, so a record is
// checked once when it is first read from memory, not on every read).
type MemoGetter interface {
	BytesGetter
	// GetBytesMemo is GetBytes that also returns the object's Memo. A
	// Put makes a new object with an empty Memo; the Memo of the object
	// read belongs to those bytes alone.
	GetBytesMemo(ctx context.Context, key string) ([]byte, *Memo, Info, error)
}

// Memo is the slot of one object held in memory (see MemoGetter). It is
// safe for concurrent use; a value stored in it must never change after.
type Memo struct{ p atomic.Pointer[any] }

// Load returns what Store put last; nil before.
func (m *Memo) Load() any {
	if p := m.p.Load(); p != nil {
		return *p
	}
	return nil
}

// Store replaces what the slot holds.
func (m *Memo) Store(v any) { m.p.Store(&v) }

// WholeGetter is implemented by stores that can read a small object whole
// in fewer steps than Get and a read (Local on Linux).
type WholeGetter interface {
	// GetWhole reads the whole object into a fresh buffer, the caller's
	// own, when it is at most max bytes, with what the store knows of it
	// (Size and Modified). ok is false, with no error, when it does not
	// (a larger object, a key it cannot take this way, any failure): the
	// caller then uses Get, which reports what is wrong.
	GetWhole(ctx context.Context, key string, max int64) (b []byte, info Info, ok bool)
}

// Locator is implemented by stores that can name where a key's object lives
// in the terms a user would look it up with: a file path for local storage,
// an s3:// URL for S3. Callers fall back to String() + "/" + key.
type Locator interface {
	Location(key string) string
}

// Location names where key's object lives in st (see Locator).
func Location(st Storage, key string) string {
	if l, ok := st.(Locator); ok {
		return l.Location(key)
	}
	return strings.TrimSuffix(st.String(), "/") + "/" + key
}

// Locker is implemented by stores that can serialize work on one key across
// processes. The lock must not outlive a crashed holder forever: a local lock
// dies with its process, a remote lease expires after ttl unless renewed.
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func() error, err error)
}

// ReadAheader is implemented by stores where each read is a round trip to a
// server (S3). ReadAhead is how many reads the runtime may have in flight
// at once on the store when it reads a flow run's records ahead of its
// tasks (see the runtime package's doc, "Flows on S3"); 0 turns reading
// ahead off.
type ReadAheader interface {
	ReadAhead() int
}

// ContentMatcher is implemented by stores whose listing tells, without
// reading an object, whether it holds given bytes (S3: the ETag of an
// object put in one request is the MD5 of its content). ContentMatch
// returns that check, or nil when this store's listing cannot tell (S3
// with server-side encryption). The check reports whether the object that
// List described as info holds exactly b; false when it cannot tell. The
// runtime uses it to serve a flow run's records from its steps pack only
// while their keys still hold them (see the runtime package's doc, "Flows
// on S3").
type ContentMatcher interface {
	ContentMatch() func(info Info, b []byte) bool
}

// Toucher is implemented by stores that can mark an object as used now, so
// that Info.Modified is its last use and `resultgen results prune
// -max-size` removes the least recently used records first. The runtime
// touches a record it serves at most once an hour (see runtime.TouchEvery).
// Local sets the file's modification time (os.Chtimes), Memory its own
// field; S3 copies the object onto itself with the same metadata and
// Content-Type (one COPY request, billed like a PUT, and no data transfer;
// objects over 5 GiB, which one COPY cannot copy, are left untouched).
type Toucher interface {
	Touch(ctx context.Context, key string, t time.Time) error
}

// KeyChecker is implemented by stores that can hold fewer keys than
// ValidateKey allows: an S3 store whose prefix, with the key, must fit
// S3's 1,024-byte object names. CheckKey reports (wrapping ErrInvalidKey)
// a valid key the store cannot hold. The store's own operations refuse
// such a key too; CheckKey lets a caller find out before it computes what
// it would store (the runtime checks every key before a task's body runs).
type KeyChecker interface {
	CheckKey(key string) error
}

// CheckKey reports whether st can hold key: ValidateKey, then st's own
// rule when it is a KeyChecker. A nil st checks ValidateKey only.
func CheckKey(st Storage, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if kc, ok := st.(KeyChecker); ok {
		return kc.CheckKey(key)
	}
	return nil
}
