package runtime

import (
	"context"
	"errors"
	"fmt"
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
	unlockLocal, err := e.locks.Lock(ctx, st.String()+"\x00"+key)
	if err != nil {
		return nil, fmt.Errorf("task %s: isolation=serializable: wait for the lock of key %q on %s (another run of the key computes it): %w", task, storage.ShortKey(key), st, err)
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
			e.logger.Warn("serializable key held by another process: waiting until it finishes, or until its lease expires if it died",
				"task", task, "key", storage.ShortKey(key), "storage", st.String(), "holder", holder.Owner, "host", holder.Host, "pid", holder.PID,
				"until", holder.Expires.UTC().Format(time.RFC3339Nano), "lease_ttl", ttl.String())
		},
		Lost: func(err error) {
			h.lost.Store(true)
			e.logger.Warn("lost the lock of a serializable key while computing: another process may compute it too; this run commits only if no record is there by then",
				"task", task, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
			cancel(err)
		},
	}
	unlockStore, err := l.Lock(storage.WithLockTrace(ctx, trace), key, ttl)
	if err != nil {
		cancel(nil)
		unlockLocal()
		return nil, fmt.Errorf("task %s: isolation=serializable: lock key %q on %s: %w; the store must be writable to hold the lock (or use isolation=read_committed, which takes none)", task, storage.ShortKey(key), st, err)
	}
	h.unlock = func() {
		if err := unlockStore(); err != nil && !(h.lost.Load() && errors.Is(err, storage.ErrLockLost)) {
			e.logger.Warn("unlock result key", "task", task, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
		}
		cancel(nil)
		unlockLocal()
	}
	return h, nil
}
