package runtime

import (
	"context"
	"fmt"
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
	// storage: a file lock that dies with its process), on a cross-process
	// lock; each run re-checks the cache once it holds the lock.
	Serializable = "serializable"
)

// lockTTL bounds how long a remote lease outlives a crashed holder.
const lockTTL = 5 * time.Minute

// lockKey holds key of st for one computation: the engine's in-process lock,
// then the store's own lock when it has one.
//
// Its errors name the task, the key and the store, and say what to do.
func (e *Engine) lockKey(ctx context.Context, task string, st storage.Storage, key string) (func(), error) {
	unlockLocal, err := e.locks.Lock(ctx, st.String()+"\x00"+key)
	if err != nil {
		return nil, fmt.Errorf("task %s: isolation=serializable: wait for the lock of key %q on %s (another run of the key computes it): %w", task, storage.ShortKey(key), st, err)
	}
	l, ok := st.(storage.Locker)
	if !ok {
		return unlockLocal, nil
	}
	unlockStore, err := l.Lock(ctx, key, lockTTL)
	if err != nil {
		unlockLocal()
		return nil, fmt.Errorf("task %s: isolation=serializable: lock key %q on %s: %w; the store must be writable to hold the lock (or use isolation=read_committed, which takes none)", task, storage.ShortKey(key), st, err)
	}
	return func() {
		if err := unlockStore(); err != nil {
			e.logger.Warn("unlock result key", "task", task, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
		}
		unlockLocal()
	}, nil
}
