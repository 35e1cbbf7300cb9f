package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// ResultKind tells how a result is kept.
type ResultKind uint8

const (
	// Unpersisted: the value lives in memory only, for as long as the state
	// that holds it.
	Unpersisted ResultKind = iota + 1
	// Literal: a bool or nil, kept inline in its record (no serializer, no
	// payload).
	Literal
	// Persisted: a reference to a record in storage.
	Persisted
)

func (k ResultKind) String() string {
	switch k {
	case Unpersisted:
		return "unpersisted"
	case Literal:
		return "literal"
	case Persisted:
		return "persisted"
	}
	return "unknown"
}

// Result is a run's result: the value, where it is stored, or both. Get on a
// persisted reference loads the value from storage on first use and keeps
// it, unless the run said cache_in_memory=false: then every Get reads the
// record again and memory holds nothing between calls. A Result is safe for
// concurrent use.
type Result[R any] struct {
	resultCore
	value R
}

// resultCore is a Result's fields that do not depend on its type: the
// code that sets or reads them takes a *resultCore, compiled once in this
// package rather than once per result type in every package of tasks.
type resultCore struct {
	mu     sync.Mutex
	loaded bool // value holds the result
	// final: value is the run's own, set before the State was handed out
	// and never changed after, so Get reads it without the lock (two
	// atomic read-modify-writes fewer: P3's hit rows)
	final    bool
	hasValue bool // the function returns a value at all
	keep     bool // keep a loaded value

	persisted bool
	store     storage.Storage
	ser       serializer.Serializer // nil: rebuilt from the record's spec
	keyring   *record.Keyring       // opens an encrypted record; nil: none
	key       string
	meta      *record.Meta // nil until written or read
	name      string       // the flow run, for errors ("greet/calm-lynx"); "": run's task, or a Reference
	run       *taskRun     // the task run, when name is ""
	want      *resultType  // what a record must hold to be read as R; nil: anything
}

// who begins an error with whose result it is: "task hello_world: ",
// "flow greet/calm-lynx: ", or nothing for a Reference (its errors name
// the key, once).
func (r *resultCore) who() string {
	switch {
	case r.name != "":
		return "flow " + r.name + ": "
	case r.run != nil:
		return "task " + r.run.task + ": "
	}
	return ""
}

// Reference returns a lazy reference to the record at key in st, for reading
// a stored result later (another process, another day). Nothing is read
// until Get, which then keeps the value. Get decodes only a record written
// for R's type (the same fingerprint, see internal/typeid); any other record
// gives an error wrapping ErrTypeMismatch that names both types, before a
// byte of the payload is decoded.
func Reference[R any](st storage.Storage, key string) *Result[R] {
	return &Result[R]{resultCore: resultCore{hasValue: true, keep: true, persisted: true, store: st, key: key, want: ptrTo(typeOf[R](nil))}}
}

// Kind tells how the result is kept.
func (r *Result[R]) Kind() ResultKind {
	switch {
	case !r.persisted:
		return Unpersisted
	case r.meta != nil && r.meta.Literal != nil:
		return Literal
	}
	return Persisted
}

// Get returns the value, loading it from storage when it is not in memory.
// A result dropped from memory that was never persisted has no value left:
// the error wraps ErrResultUnavailable.
func (r *Result[R]) Get(ctx context.Context) (R, error) {
	if r.final {
		return r.value, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded || !r.hasValue {
		return r.value, nil
	}
	var v R
	if err := r.read(ctx, &v); err != nil {
		var zero R
		return zero, err
	}
	if r.keep {
		r.value, r.loaded = v, true
	}
	return v, nil
}

// read is Get's read of the record into v (a *R), under r.mu.
func (r *resultCore) read(ctx context.Context, v any) error {
	if !r.persisted {
		return fmt.Errorf("%s%w", r.who(), ErrResultUnavailable)
	}
	if r.keyring != nil {
		ctx = record.WithKeyring(ctx, r.keyring)
	}
	meta, err := record.ReadChecked(ctx, r.store, r.key, r.ser, v, func(m *record.Meta) error {
		if id := m.Labels[LabelTxn]; id != "" {
			// staged by a transaction: absent until it commits, except
			// to the transaction itself
			vis, err := engineFrom(ctx).txnVisible(ctx, r.store, id)
			switch {
			case err != nil:
				return err
			case !vis:
				return fmt.Errorf("%s%q on %s is staged by a transaction that has not committed: %w", r.who(), storage.ShortKey(r.key), r.store, storage.ErrNotFound)
			}
		}
		if r.want == nil || r.want.hash == "" || m.TypeHash == r.want.hash {
			return nil
		}
		has := m.GoType
		if m.TypeHash == "" {
			has += ", written without a result-type fingerprint by an older resultgen (run its task again to rewrite it)"
		}
		return fmt.Errorf("%s%w: %q on %s holds %s, not %s", r.who(), ErrTypeMismatch, storage.ShortKey(r.key), r.store, has, r.want.goType)
	})
	if errors.Is(err, ErrTypeMismatch) {
		return err
	}
	if err != nil {
		// err names the key (the store's errors and the record's do): this
		// adds whose result it is and the store.
		return fmt.Errorf("%sread result from %s: %w", r.who(), r.store, err)
	}
	r.meta = &meta
	return nil
}

// Key is the storage key of a persisted result; "" otherwise.
func (r *Result[R]) Key() string { return r.key }

// storageName is Storage.
func (r *resultCore) storageName() string {
	if r.store == nil {
		return ""
	}
	return r.store.String()
}

// location is Location.
func (r *resultCore) location() string {
	if !r.persisted || r.store == nil || r.key == "" {
		return ""
	}
	return storage.Location(r.store, r.key)
}

// Storage names the store of a persisted result ("local:/abs/path",
// "memory", "s3://bucket/prefix"); "" otherwise.
func (r *Result[R]) Storage() string { return r.storageName() }

// Location is where a persisted result lives in the terms a user looks it up
// with: a file path for local storage, an s3:// URL for S3; "" otherwise.
func (r *Result[R]) Location() string { return r.location() }

// size is the record's payload size (Meta's Size) without a copy of Meta.
func (r *resultCore) size() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.meta == nil {
		return 0
	}
	return r.meta.Size
}

// Meta is the record's metadata once it was written or read; false before.
// It is the caller's own copy: a hit's metadata may be shared with what a
// memory store keeps for later hits (see record.Meta.Clone).
func (r *Result[R]) Meta() (record.Meta, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.meta == nil {
		return record.Meta{}, false
	}
	return r.meta.Clone(), r.persisted && r.meta.Version != 0
}
