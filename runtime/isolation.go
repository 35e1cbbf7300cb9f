package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
)

// Isolation levels.
const (
	// ReadCommitted takes no lock: concurrent runs of one key may all compute;
	// the first committed record wins and the others return it.
	ReadCommitted = "read_committed"
	// Serializable computes a key once at a time: runs of one key queue on an
	// in-process lock and, when the store implements storage.Locker (local
	// storage: a file lock that dies with its process; S3: a lease renewed
	// every RESULTGEN_LEASE_TTL/3), on a cross-process lock; each run
	// re-checks the cache once it holds the lock.
	Serializable = "serializable"
)

// heldKey is a key held for one computation.
type heldKey struct {
	// ctx is the run's context, cancelled (its cause wrapping
	// storage.ErrLockLost) when the store's lock is lost while held.
	ctx    context.Context
	lost   atomic.Bool
	unlock func()
}

// lockKey holds key of st for one computation of task: the engine's
// in-process lock, then the store's own lock when it has one, a remote lease
// living RESULTGEN_LEASE_TTL unless renewed. Its errors name the task, the
// key and the store, and say what to do.
//
// While it waits for another process, it says so once per holder at WARN:
// who holds the key (the holder's name, host and pid, as far as the store
// knows) and until when its lease runs unless renewed. When a held lease is
// lost (taken over, or not renewed before it expired), it says so at WARN
// and cancels the returned context, so a body that heeds its context stops;
// the run then no longer acts as the key's only writer (see runTask).
func (e *Engine) lockKey(ctx context.Context, st storage.Storage, key, task string) (*heldKey, error) {
	return e.lock(ctx, st, key, lockUse{
		who:     "task " + task,
		what:    "isolation=serializable",
		busy:    "another run of the key computes it",
		advice:  "the store must be writable to hold the lock (or use isolation=read_committed, which takes none)",
		waiting: "serializable key held by another process: waiting until it finishes, or until its lease expires if it died",
		lost:    "lost the lock of a serializable key while computing: another process may compute it too; this run commits only if no record is there by then",
		attr:    "task", name: task,
	})
}

// lockRun holds the run lock of the named run id of flow (key: the run's
// record key) while the run's body runs, so one process runs an id at a
// time; see lockKey.
func (e *Engine) lockRun(ctx context.Context, st storage.Storage, key, flow, id string) (*heldKey, error) {
	return e.lock(ctx, st, key, lockUse{
		who:     "flow " + flow,
		what:    "run id " + strconv.Quote(id),
		busy:    "another run of the id runs it",
		advice:  "the store must be writable to hold a named run's lock",
		waiting: "named flow run held by another process: waiting until it finishes, or until its lease expires if it died",
		lost:    "lost the lock of a named flow run while running it: another process may run it too; its tasks' records stay consistent (the first to commit a key wins)",
		attr:    "flow", name: flow,
	})
}

// lockUse words lock's errors and logs for one kind of lock.
type lockUse struct {
	who, what, busy, advice string // errors: "task t: isolation=serializable: ..."
	waiting, lost           string // the WARN lines
	attr, name              string // the log attribute naming the task or flow
}

func (e *Engine) lock(ctx context.Context, st storage.Storage, key string, u lockUse) (*heldKey, error) {
	unlockLocal, err := e.locks.Lock(ctx, st.String()+"\x00"+key)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: wait for the lock of key %q on %s (%s): %w", u.who, u.what, storage.ShortKey(key), st, u.busy, err)
	}
	l, ok := st.(storage.Locker)
	if !ok {
		return &heldKey{ctx: ctx, unlock: unlockLocal}, nil
	}
	ttl := e.settings.Lease()
	lctx, cancel := context.WithCancelCause(ctx)
	h := &heldKey{ctx: lctx}
	trace := &storage.LockTrace{
		Waiting: func(holder storage.LockHolder) {
			e.logger.Warn(u.waiting,
				u.attr, u.name, "key", storage.ShortKey(key), "storage", st.String(), "holder", holder.Owner, "host", holder.Host, "pid", holder.PID,
				"until", holder.Expires.UTC().Format(time.RFC3339Nano), "lease_ttl", ttl.String())
		},
		Lost: func(err error) {
			h.lost.Store(true)
			e.logger.Warn(u.lost, u.attr, u.name, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
			cancel(err)
		},
	}
	unlockStore, err := l.Lock(storage.WithLockTrace(ctx, trace), key, ttl)
	if err != nil {
		cancel(nil)
		unlockLocal()
		return nil, fmt.Errorf("%s: %s: lock key %q on %s: %w; %s", u.who, u.what, storage.ShortKey(key), st, err, u.advice)
	}
	h.unlock = func() {
		if err := unlockStore(); err != nil && !(h.lost.Load() && errors.Is(err, storage.ErrLockLost)) {
			e.logger.Warn("unlock result key", u.attr, u.name, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
		}
		cancel(nil)
		unlockLocal()
	}
	return h, nil
}
