package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrLockLost is wrapped by the errors that say a held lock stopped being
// exclusive: a remote lease expired unrenewed (its holder could not reach
// the server in time) or was taken over by another process.
var ErrLockLost = errors.New("lock lost")

// LockHolder describes who holds a lock that a Lock call waits for, as far
// as the store knows: a remote lease and a local lock file both record
// their holder (a lock file only once its holder has written it, moments
// after taking the lock; the zero LockHolder means unknown).
type LockHolder struct {
	Owner   string    // the holder's name in the store, e.g. "host/pid/random"
	Host    string    // the holder's host name; "" when unknown
	PID     int       // the holder's process id; 0 when unknown
	Since   time.Time // when the holder took the lock; zero when unknown
	Expires time.Time // when the lease runs out unless the holder renews it; zero for a lock that dies with its holder (local)
}

// String names the holder for messages: "pid 4242 on host build-7 since
// 2026-03-01T10:00:00Z", or "an unknown process".
func (h LockHolder) String() string {
	var b strings.Builder
	switch {
	case h.PID != 0:
		fmt.Fprintf(&b, "pid %d", h.PID)
	case h.Owner != "":
		fmt.Fprintf(&b, "%q", h.Owner)
	default:
		return "an unknown process"
	}
	if h.Host != "" {
		fmt.Fprintf(&b, " on host %s", h.Host)
	}
	if !h.Since.IsZero() {
		fmt.Fprintf(&b, " since %s", h.Since.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// LockInspector is implemented by stores that can tell, without taking
// it, whether the lock of a key is held and by whom: Local (whether a
// process holds the key's lock file) and S3 (the lease object, and
// whether it has expired). `resultgen results runs` uses it to tell a run
// that still runs from one whose holder died.
type LockInspector interface {
	// LockHolder returns the holder of key's lock. held is false when no
	// process holds it: no lock, a released one, an expired lease, or one
	// whose holder is provably gone (ProcessGone). The holder may be
	// unknown (the zero LockHolder) while held.
	LockHolder(ctx context.Context, key string) (h LockHolder, held bool, err error)
}

// LockTrace receives the events of one Locker.Lock call and of the lock it
// takes, like net/http/httptrace for requests: the caller attaches it to the
// context given to Lock with WithLockTrace. A field left nil is not called.
// The functions may be called from other goroutines.
type LockTrace struct {
	// Waiting is called when Lock finds the lock held by another process
	// and starts waiting: once per holder (not at every poll; again when
	// the holder of a local lock file, unknown at first, becomes known),
	// so a waiter can say whom it waits for, since when and until when.
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
