package storage

import (
	"context"
	"sync"
)

// KeyMutex is a set of mutexes, one per key, for serializing the holders of
// one key inside a process. Unlike a sync.Mutex, waiting ends with the
// context. A key's entry is freed when nobody holds or waits for it. The zero
// value is ready to use; a KeyMutex must not be copied after first use.
//
// Backends put it in front of their cross-process locks (Locker), and the
// runtime uses it for serializable isolation.
type KeyMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // holds one token while locked
	refs int           // holders and waiters
}

// Lock blocks until key is free or ctx is done (then it returns the
// context's cause). The returned func releases the key and must be called
// exactly once.
func (l *KeyMutex) Lock(ctx context.Context, key string) (unlock func(), err error) {
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
		return nil, context.Cause(ctx)
	}
}

func (l *KeyMutex) release(key string, kl *keyLock) {
	l.mu.Lock()
	kl.refs--
	if kl.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}
