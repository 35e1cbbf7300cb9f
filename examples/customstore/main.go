// Command customstore keeps results in a store of its own making: Prefixed
// wraps any storage.Storage and keeps every key under a prefix (one folder
// per team, tenant or environment, in one bucket or folder). A task uses it
// through runtime.StorageBackend; main_test.go runs the storage
// conformance suite (storagetest.Run) on it, as every backend should.
//
//	$ go run .
//	Completed "hello world" -> /home/me/.resultgen/storage/team-a/hello-world.json
//	$ go run .
//	Cached    "hello world" -> /home/me/.resultgen/storage/team-a/hello-world.json
package main

//go:generate go run github.com/resultgen/resultgen/cmd/resultgen

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Prefixed is a store that keeps each key K of its users at PREFIX/K in
// another store. It checks every key against the key rules itself, before
// the prefix could make a hostile key (../x) look harmless, and hides the
// inner store's keys outside its prefix.
type Prefixed struct {
	inner  storage.Storage
	prefix string // "team-a/"
}

// NewPrefixed returns inner seen through prefix, one or more key segments
// ("team-a", "prod/eu"). inner must be a storage.Locker (local, memory and
// S3 stores are), so that serializable tasks and named runs can lock keys.
func NewPrefixed(inner storage.Storage, prefix string) (*Prefixed, error) {
	if err := storage.ValidateKey(prefix); err != nil {
		return nil, fmt.Errorf("prefixed store: prefix %q: %w", prefix, err)
	}
	if _, ok := inner.(storage.Locker); !ok {
		return nil, fmt.Errorf("prefixed store: %s cannot lock keys (it is no storage.Locker)", inner)
	}
	return &Prefixed{inner: inner, prefix: prefix + "/"}, nil
}

// String names the store as its records and logs show it.
func (p *Prefixed) String() string { return p.inner.String() + "/" + strings.TrimSuffix(p.prefix, "/") }

// Location is where key's object lives, for State.Location.
func (p *Prefixed) Location(key string) string { return storage.Location(p.inner, p.prefix+key) }

// Put stores body at key (see storage.Storage).
func (p *Prefixed) Put(ctx context.Context, key string, body io.Reader, opts storage.PutOptions) error {
	if err := storage.ValidateObjectKey(key); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return p.inner.Put(ctx, p.prefix+key, body, opts)
}

// Get opens the object at key.
func (p *Prefixed) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.ValidateObjectKey(key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return p.inner.Get(ctx, p.prefix+key)
}

// Stat describes the object at key.
func (p *Prefixed) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := storage.ValidateObjectKey(key); err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	info, err := p.inner.Stat(ctx, p.prefix+key)
	info.Key = key
	return info, err
}

// Delete removes the object at key.
func (p *Prefixed) Delete(ctx context.Context, key string) error {
	if err := storage.ValidateObjectKey(key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	return p.inner.Delete(ctx, p.prefix+key)
}

// List yields the objects under prefix, in key order, without the store's
// own prefix and without index objects (storage.IndexKey), which the inner
// store lists when they are not at its top.
func (p *Prefixed) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.Info{}, fmt.Errorf("list %q: %w", prefix, err))
			return
		}
		for info, err := range p.inner.List(ctx, p.prefix+prefix) {
			if err != nil {
				yield(info, err)
				return
			}
			info.Key = strings.TrimPrefix(info.Key, p.prefix)
			if storage.ValidateKey(info.Key) != nil {
				continue // an index object: stored, never listed
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Lock locks key in the inner store (see storage.Locker).
func (p *Prefixed) Lock(ctx context.Context, key string, ttl time.Duration) (func() error, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, fmt.Errorf("lock %q: %w", key, err)
	}
	return p.inner.(storage.Locker).Lock(ctx, p.prefix+key, ttl)
}

// Hello greets name.
//
//result:task storage_key="hello-{parameters[name]}.json" serializer=json
func Hello(name string) string { return "hello " + name }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "customstore:", err)
		os.Exit(1)
	}
}

func run() error {
	s, err := settings.Load()
	if err != nil {
		return err
	}
	local, err := storage.NewLocal(s.LocalStoragePath)
	if err != nil {
		return err
	}
	defer local.Close()
	st, err := NewPrefixed(local, "team-a")
	if err != nil {
		return err
	}
	state := HelloTask.WithOptions(runtime.StorageBackend(st)).State(context.Background(), "world")
	msg, err := state.Result()
	if err != nil {
		return err
	}
	fmt.Printf("%-9s %q -> %s\n", state.Name(), msg, state.Location())
	return nil
}
