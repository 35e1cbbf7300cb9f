package storage

import (
	"context"
	"errors"
	"time"
)

// ErrLockLost is wrapped by the errors that say a held lock stopped being
// exclusive: a remote lease expired unrenewed (its holder could not reach
// the server in time) or was taken over by another process.
var ErrLockLost = errors.New("storage: lock lost")

// LockHolder describes who holds a lock that a Lock call waits for, as far
// as the store knows: a remote lease records its holder, a local file lock
// does not.
type LockHolder struct {
	Owner   string    // the holder's name in the store, e.g. "host/pid/random"
	Host    string    // the holder's host name; "" when unknown
	PID     int       // the holder's process id; 0 when unknown
	Expires time.Time // when the lease runs out unless the holder renews it
}

// LockTrace receives the events of one Locker.Lock call and of the lock it
// takes, like net/http/httptrace for requests: the caller attaches it to the
// context given to Lock with WithLockTrace. A field left nil is not called.
// The functions may be called from other goroutines.
type LockTrace struct {
	// Waiting is called when Lock finds the lock held by another process
	// and starts waiting: once per holder (not at every poll), so a waiter
	// can say whom it waits for and until when.
	Waiting func(LockHolder)
	// Lost is called at most once, from the lock's renewal goroutine, when a
	// held lock stops being exclusive; err wraps ErrLockLost and says why.
	// The holder must then stop acting as the only one: another process
	// may take the lock from now on.
	Lost func(err error)
}

type lockTraceKey struct{}

// WithLockTrace returns a context carrying t for the Lock calls made with it.
func WithLockTrace(ctx context.Context, t *LockTrace) context.Context {
	return context.WithValue(ctx, lockTraceKey{}, t)
}

// ContextLockTrace returns the LockTrace of ctx, or nil.
func ContextLockTrace(ctx context.Context) *LockTrace {
	t, _ := ctx.Value(lockTraceKey{}).(*LockTrace)
	return t
}
