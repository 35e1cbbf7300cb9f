package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory keeps objects in a map. It keeps metadata, and its locks exclude
// holders in this process only (nothing else can see a Memory store). It is
// safe for concurrent use.
type Memory struct {
	mu    sync.RWMutex
	objs  map[string]memObject
	locks KeyMutex
}

type memObject struct {
	data     []byte // never modified after Put
	modified time.Time
	meta     map[string]string
	memo     *Memo // what readers derived from data (see MemoGetter)
}

var (
	_ Storage     = (*Memory)(nil)
	_ RangeGetter = (*Memory)(nil)
	_ BytesGetter = (*Memory)(nil)
	_ MemoGetter  = (*Memory)(nil)
	_ Locker      = (*Memory)(nil)
	_ Toucher     = (*Memory)(nil)
)

// Touch sets the object's modification time to t (see Toucher).
func (m *Memory) Touch(ctx context.Context, key string, t time.Time) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	if !ok {
		return fmt.Errorf("touch %q: %w", ShortKey(key), ErrNotFound)
	}
	o.modified = t
	m.objs[key] = o
	return nil
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{objs: map[string]memObject{}} }

// String returns "memory".
func (m *Memory) String() string { return "memory" }

// Put reads body whole, then stores it in one step.
func (m *Memory) Put(ctx context.Context, key string, body io.Reader, opts PutOptions) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	var buf bytes.Buffer
	if opts.Size > 0 {
		buf.Grow(int(opts.Size))
	}
	if _, err := copyCtx(ctx, &buf, body); err != nil {
		return fmt.Errorf("put %q: %w", ShortKey(key), err)
	}
	obj := memObject{data: buf.Bytes(), modified: time.Now(), meta: maps.Clone(opts.Metadata), memo: new(Memo)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %q: %w", ShortKey(key), err)
	}
	if _, ok := m.objs[key]; ok && opts.IfAbsent {
		return fmt.Errorf("put %q: %w", ShortKey(key), ErrExists)
	}
	m.objs[key] = obj
	return nil
}

func (m *Memory) get(op, key string) (memObject, error) {
	m.mu.RLock()
	obj, ok := m.objs[key]
	m.mu.RUnlock()
	if !ok {
		// Validated on a miss only: every key in m.objs was validated by
		// the Put (or Touch) that stored it, so a key found is valid.
		// Serves P3's memory hit (BenchmarkWrapperHit1KiB/memory): the
		// check was 4% of its time.
		if err := ValidateObjectKey(key); err != nil {
			return memObject{}, err
		}
		return memObject{}, fmt.Errorf("%s %q: %w", op, ShortKey(key), ErrNotFound)
	}
	return obj, nil
}

// Get returns a reader over the stored bytes.
func (m *Memory) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := m.get("get", key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get %q: %w", ShortKey(key), err)
	}
	return memReader{bytes.NewReader(obj.data), key, obj.modified}, nil
}

// GetBytes returns the stored bytes themselves (see BytesGetter): Put
// stores a fresh slice and nothing modifies it after.
func (m *Memory) GetBytes(ctx context.Context, key string) ([]byte, Info, error) {
	b, _, info, err := m.GetBytesMemo(ctx, key)
	return b, info, err
}

// GetBytesMemo is GetBytes with the object's Memo (see MemoGetter).
func (m *Memory) GetBytesMemo(ctx context.Context, key string) ([]byte, *Memo, Info, error) {
	obj, err := m.get("get", key)
	if err != nil {
		return nil, nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, Info{}, fmt.Errorf("get %q: %w", ShortKey(key), err)
	}
	return obj.data[:len(obj.data):len(obj.data)], obj.memo, Info{Key: key, Size: int64(len(obj.data)), Modified: obj.modified}, nil
}

// memReader is what Get returns: Size reports the object's size, and
// ObjectInfo its size and modification time (see OpenInfo).
type memReader struct {
	*bytes.Reader
	key      string
	modified time.Time
}

func (r memReader) ObjectInfo() Info {
	return Info{Key: r.key, Size: r.Reader.Size(), Modified: r.modified}
}

func (memReader) Close() error { return nil }

// GetRange reads length bytes from offset (to the end when length < 0); a
// range past the end is cut short.
func (m *Memory) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	obj, err := m.get("get", key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get %q: %w", ShortKey(key), err)
	}
	if offset < 0 {
		return nil, fmt.Errorf("get %q: negative offset %d", ShortKey(key), offset)
	}
	b := obj.data[min(offset, int64(len(obj.data))):]
	if length >= 0 && length < int64(len(b)) {
		b = b[:length]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Stat describes the object, with a copy of its metadata.
func (m *Memory) Stat(ctx context.Context, key string) (Info, error) {
	obj, err := m.get("stat", key)
	if err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("stat %q: %w", ShortKey(key), err)
	}
	return obj.info(key), nil
}

func (o memObject) info(key string) Info {
	return Info{Key: key, Size: int64(len(o.data)), Modified: o.modified, Metadata: maps.Clone(o.meta)}
}

// Delete removes the object.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ValidateObjectKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %q: %w", ShortKey(key), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[key]; !ok {
		return fmt.Errorf("delete %q: %w", ShortKey(key), ErrNotFound)
	}
	delete(m.objs, key)
	return nil
}

// List yields a snapshot of the keys under prefix, in key order.
func (m *Memory) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		if err := ValidatePrefix(prefix); err != nil {
			yield(Info{}, err)
			return
		}
		m.mu.RLock()
		var infos []Info
		for k, o := range m.objs {
			if strings.HasPrefix(k, prefix) && !IsIndexKey(k) {
				infos = append(infos, o.info(k))
			}
		}
		m.mu.RUnlock()
		slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
		for _, info := range infos {
			if err := ctx.Err(); err != nil {
				yield(Info{}, fmt.Errorf("list %q: %w", prefix, err))
				return
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Lock takes an exclusive in-process lock on key; ttl is ignored.
func (m *Memory) Lock(ctx context.Context, key string, ttl time.Duration) (func() error, error) {
	if err := ValidateObjectKey(key); err != nil {
		return nil, err
	}
	release, err := m.locks.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", ShortKey(key), err)
	}
	return sync.OnceValue(func() error { release(); return nil }), nil
}
