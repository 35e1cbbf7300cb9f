package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Isolation levels.
const (
	// ReadCommitted takes no lock: concurrent runs of one key may all compute;
	// the first committed record wins and the others return it.
	ReadCommitted = rules.ReadCommitted
	// Serializable computes a key once at a time: runs of one key queue on an
	// in-process lock and, when the store implements storage.Locker (local
	// storage: a file lock that dies with its process; S3: a lease renewed
	// every RESULTGEN_LEASE_TTL/3), on a cross-process lock; each run
	// re-checks the cache once it holds the lock.
	Serializable = rules.Serializable
)

// heldKey is a key held for one computation.
type heldKey struct {
	// ctx is the run's context, cancelled (its cause wrapping
	// storage.ErrLockLost) when the store's lock is lost while held.
	ctx    context.Context
	lost   atomic.Bool
	unlock func()
}

// ErrLockTimeout is wrapped by the error of a run that waited longer than
// RESULTGEN_LOCK_WAIT_TIMEOUT (or WithLockWaitTimeout) for a key another
// run holds (isolation=serializable, a named flow run). The message names
// the holder as far as the store knows it: its pid, host and since when.
var ErrLockTimeout = errors.New("lock wait timed out")

// errWaitExpired is the cause of a wait that ran out of time.
var errWaitExpired = errors.New("lock wait timeout")

// lockKey holds key of st for one computation of task: the engine's
// in-process lock, then the store's own lock when it has one, a remote lease
// living RESULTGEN_LEASE_TTL unless renewed. Its errors name the task, the
// key and the store, and say what to do.
//
// While it waits for another process, it says so at WARN once the wait has
// lasted the engine's notice delay (WithLockWaitNotice, 3s by default), and
// again for each later holder: who holds the key (the holder's name, host,
// pid and since when, as far as the store knows) and, for a remote lease,
// until when it runs unless renewed. A wait longer than the lock wait
// timeout (RESULTGEN_LOCK_WAIT_TIMEOUT) fails with ErrLockTimeout naming
// the holder. When a held lease is lost (taken over, or not renewed before
// it expired), it says so at WARN and cancels the returned context, so a
// body that heeds its context stops; the run then no longer acts as the
// key's only writer (see runTask).
func (e *Engine) lockKey(ctx context.Context, st storage.Storage, key, task string) (*heldKey, error) {
	return e.timedLock(ctx, st, key, lockUse{
		who:     "task " + task,
		what:    "isolation=serializable",
		busy:    "another run of the key computes it",
		advice:  "the store must be writable to hold the lock (or use isolation=read_committed, which takes none)",
		waiting: "serializable key held by another process",
		lost:    "lost the lock of a serializable key while computing: another process may compute it too; this run commits only if no record is there by then",
		attr:    "task", name: task,
	})
}

// lockRun holds the run lock of the named run id of flow (key: the run's
// record key) while the run's body runs, so one process runs an id at a
// time; see lockKey.
func (e *Engine) lockRun(ctx context.Context, st storage.Storage, key, flow, id string) (*heldKey, error) {
	return e.timedLock(ctx, st, key, lockUse{
		who:     "flow " + flow,
		what:    "run id " + strconv.Quote(id),
		busy:    "another run of the id runs it",
		advice:  "the store must be writable to hold a named run's lock",
		waiting: "named flow run held by another process",
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
	wctx := ctx // the wait: ctx, bounded by the lock wait timeout
	if e.lockTimeout > 0 {
		var stop context.CancelFunc
		wctx, stop = context.WithTimeoutCause(ctx, e.lockTimeout, errWaitExpired)
		defer stop()
	}
	unlockLocal, err := e.locks.Lock(wctx, st.String()+"\x00"+key)
	if err != nil {
		if timedOut(ctx, wctx) {
			host, _ := os.Hostname()
			return nil, e.lockTimeoutError(u, st, key, "another run in this process ("+storage.LockHolder{PID: os.Getpid(), Host: host}.String()+")")
		}
		return nil, fmt.Errorf("%s: %s: wait for the lock of key %q on %s (%s): %w", u.who, u.what, storage.ShortKey(key), st, u.busy, err)
	}
	l, ok := st.(storage.Locker)
	if !ok {
		return &heldKey{ctx: ctx, unlock: unlockLocal}, nil
	}
	ttl := e.settings.Lease()
	lctx, cancel := context.WithCancelCause(ctx)
	h := &heldKey{ctx: lctx}
	n := &waitNotice{delay: e.lockNotice, say: func(holder storage.LockHolder, waited time.Duration) {
		msg := u.waiting + ": waiting until it finishes, or until its lease expires if it died"
		attrs := []any{u.attr, u.name, "key", storage.ShortKey(key), "storage", st.String(),
			"holder", cmp.Or(holder.Owner, "unknown"), "host", holder.Host, "pid", holder.PID}
		if !holder.Since.IsZero() {
			attrs = append(attrs, "since", holder.Since.UTC().Format(time.RFC3339Nano))
		}
		if holder.Expires.IsZero() {
			msg = u.waiting + ": waiting until it finishes (its lock dies with it)"
		} else {
			attrs = append(attrs, "until", holder.Expires.UTC().Format(time.RFC3339Nano), "lease_ttl", ttl.String())
		}
		attrs = append(attrs, "waited", waited.Round(time.Millisecond).String())
		if e.lockTimeout > 0 {
			attrs = append(attrs, "timeout", e.lockTimeout.String())
		}
		e.logger.Warn(msg, attrs...)
	}}
	trace := &storage.LockTrace{
		Waiting: n.waiting,
		Lost: func(err error) {
			h.lost.Store(true)
			e.logger.Warn(u.lost, u.attr, u.name, "key", storage.ShortKey(key), "storage", st.String(), "error", err)
			cancel(err)
		},
	}
	unlockStore, err := l.Lock(storage.WithLockTrace(wctx, trace), key, ttl)
	holder := n.stop()
	if err != nil {
		cancel(nil)
		unlockLocal()
		if timedOut(ctx, wctx) {
			return nil, e.lockTimeoutError(u, st, key, holder.String())
		}
		// err, the store's, names the key
		return nil, fmt.Errorf("%s: %s: take the lock on %s: %w; %s", u.who, u.what, st, err, u.advice)
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

// timedOut reports whether the wait wctx, made from ctx, ended because
// the lock wait timeout ran out (not because ctx ended).
func timedOut(ctx, wctx context.Context) bool {
	return ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitExpired)
}

// lockTimeoutError is the error of a wait that ran out of time.
func (e *Engine) lockTimeoutError(u lockUse, st storage.Storage, key, holder string) error {
	return fmt.Errorf("%s: %s: gave up waiting for key %q on %s after %s: held by %s: %w; let the holder finish or end it, or raise %s",
		u.who, u.what, storage.ShortKey(key), st, e.lockTimeout, holder, ErrLockTimeout, settings.LockWaitTimeout)
}

// waitNotice says whom a Lock call waits for: once the wait has lasted
// delay, then again at once for each holder after that one. Holders
// reported before the delay are not said, but the last of them is.
type waitNotice struct {
	delay time.Duration
	say   func(holder storage.LockHolder, waited time.Duration)

	mu     sync.Mutex
	start  time.Time
	timer  *time.Timer
	holder storage.LockHolder // the latest reported
	said   bool               // a holder was said
	last   storage.LockHolder // the holder said last
	done   bool
}

// waiting is the LockTrace's Waiting.
func (n *waitNotice) waiting(h storage.LockHolder) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.done {
		return
	}
	n.holder = h
	switch {
	case n.timer == nil:
		n.start = time.Now()
		n.timer = time.AfterFunc(n.delay, n.fire)
	case n.said && !sameHolder(h, n.last):
		n.sayLocked()
	}
}

func (n *waitNotice) fire() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.done {
		n.sayLocked()
	}
}

func (n *waitNotice) sayLocked() {
	n.said, n.last = true, n.holder
	n.say(n.holder, time.Since(n.start))
}

// stop ends the notices (the wait is over) and returns the last holder
// reported.
func (n *waitNotice) stop() storage.LockHolder {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.done = true
	if n.timer != nil {
		n.timer.Stop()
	}
	return n.holder
}

func sameHolder(a, b storage.LockHolder) bool {
	return a.Owner == b.Owner && a.PID == b.PID && a.Host == b.Host && a.Since.Equal(b.Since)
}
