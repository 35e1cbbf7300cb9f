package storage

import (
	"context"
	"sync"
)

// keyLocks serializes holders of one key inside the process. Waiting is
// cancellable, unlike sync.Mutex.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // holds one token while locked
	refs int           // holders and waiters
}

// lock blocks until the key is free or ctx is done; the returned func
// releases it and must be called exactly once.
func (l *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*keyLock{}
	}
	kl := l.m[key]
	if kl == nil {
		kl = &keyLock{ch: make(chan struct{}, 1)}
		l.m[key] = kl
	}
	kl.refs++
	l.mu.Unlock()

	select {
	case kl.ch <- struct{}{}:
		return func() {
			<-kl.ch
			l.release(key, kl)
		}, nil
	case <-ctx.Done():
		l.release(key, kl)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) release(key string, kl *keyLock) {
	l.mu.Lock()
	kl.refs--
	if kl.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}
