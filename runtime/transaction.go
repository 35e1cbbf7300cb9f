package runtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/txnstore"
	"github.com/resultgen/resultgen/runtime/storage"
)

// LabelTxn is the label of a record staged by a transaction: the
// transaction's id. Such a record is invisible outside the transaction
// until it commits (see Transaction).
const LabelTxn = txnstore.Label

// TxnPrefix is the first key segment of the objects transactions keep in
// a store (".txn/pending/ID", ".txn/keys/KEY"); a storage_key or
// cache_key_fn key there is an error.
const TxnPrefix = txnstore.Prefix

// Transaction statuses (TxnResult.Status).
const (
	TxnCommitted  = "Committed"  // fn succeeded: its records are visible, commit hooks ran
	TxnRolledBack = "RolledBack" // fn failed: its records are gone, rollback hooks ran
	TxnSkipped    = "Skipped"    // a transaction with the same key committed before: fn did not run
	TxnNested     = "Nested"     // fn succeeded inside another transaction, which commits it
)

// TxnResult says how a transaction ended.
type TxnResult struct {
	ID     string // the transaction's id (a UUID); the outermost one's when nested
	Key    string // TxnKey, "" without
	Status string // TxnCommitted, TxnRolledBack, TxnSkipped or TxnNested
	// Staged counts the records the transaction wrote (and then committed
	// or removed), not counting nested transactions that rolled back.
	Staged int
}

// TxnOption configures one Transaction.
type TxnOption func(*txnConfig)

type txnConfig struct {
	key       string
	isolation string
	storage   string
}

// TxnKey names the transaction: once a transaction with that key has
// committed in the transaction's store (TxnStorage), a later Transaction
// with the key, in any process, does not run fn (status TxnSkipped). The
// key follows the storage key rules (storage.ValidateKey).
func TxnKey(key string) TxnOption { return func(c *txnConfig) { c.key = key } }

// TxnIsolation sets a keyed transaction's isolation level: ReadCommitted
// (the default) lets transactions of one key run at the same time, each
// committing its own records; Serializable holds the key's lock (across
// processes where the store can lock) from before the committed check to
// the end (of the outermost transaction, when nested), so one transaction
// of a key runs at a time and the next one finds it committed and is
// skipped. Serializable without TxnKey is an error.
func TxnIsolation(level string) TxnOption { return func(c *txnConfig) { c.isolation = level } }

// TxnStorage is the storage spec of the store that keeps a keyed
// transaction's key marker ("" or unset: the default storage).
func TxnStorage(spec string) TxnOption { return func(c *txnConfig) { c.storage = spec } }

// ErrTxnCommit is wrapped by the error of a transaction whose fn
// succeeded but whose commit failed: a store refused the commit. The
// records stay invisible (they are removed by the next run's cleanup or
// `resultgen results prune -tmp`); on several stores, those committed
// before the failing one stay committed.
var ErrTxnCommit = errors.New("transaction commit failed")

// HookError is the error of a task's on_commit or on_rollback hook.
type HookError struct {
	Task string // the task run's name ("charge-1")
	Hook string // "on_commit" or "on_rollback"
	Err  error  // the hook's error, or a *PanicError
}

func (h *HookError) Error() string { return fmt.Sprintf("task %s: %s hook: %v", h.Task, h.Hook, h.Err) }

// Unwrap returns the hook's error.
func (h *HookError) Unwrap() error { return h.Err }

// Transaction runs fn as one transaction: the task runs made with the
// context fn gets (and in the flows and subflows called with it) stage
// their records instead of committing them; the records become visible
// together when fn returns nil, and none of them ever does when fn
// returns an error or panics. See the package doc, "Transactions".
//
// Runs submitted with fn's context (Submit) belong to the transaction:
// it waits for them before it commits or rolls back.
//
// On success the transaction commits, then runs the on_commit hooks of
// its task runs, oldest first, and returns status TxnCommitted; a hook's
// error (a *HookError) is returned, joined, with the commit standing. On
// failure it removes the records it staged, runs the on_rollback hooks of
// the task runs that completed in it, newest first, and returns fn's
// error (a *PanicError for a panic), joined with the hooks' errors.
// Task runs that were Cached (a record committed before) have nothing to
// undo: their hooks do not run.
//
// Called inside another transaction (its context), it is nested: on
// success its records and hooks join the outer transaction, which commits
// or rolls back everything (status TxnNested); on failure only its own
// work is rolled back, and the outer fn decides what to do with the error.
func Transaction(ctx context.Context, fn func(ctx context.Context) error, opts ...TxnOption) (TxnResult, error) {
	var cfg txnConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	e := engineFrom(ctx)
	parent := txnFrom(ctx)
	tx := &txn{e: e, parent: parent, key: cfg.key}
	if parent != nil {
		tx.root = parent.root
	} else {
		tx.root = tx
		tx.id = uuid.NewString()
		tx.stores = map[storage.Storage]*txnStore{}
		tx.locked = map[string]bool{}
	}
	res := TxnResult{ID: tx.root.id, Key: cfg.key}
	who := tx.who()
	if e.err != nil {
		return res, e.err
	}
	switch cfg.isolation {
	case "", ReadCommitted:
	case Serializable:
		if cfg.key == "" {
			return res, fmt.Errorf("%s: isolation %q locks the transaction's key: give one with runtime.TxnKey", who, cfg.isolation)
		}
	default:
		return res, fmt.Errorf("%s: isolation %q: use runtime.ReadCommitted or runtime.Serializable", who, cfg.isolation)
	}
	if cfg.key != "" {
		if err := storage.CheckKey(nil, txnstore.KeyMarker(cfg.key)); err != nil {
			return res, fmt.Errorf("%s: the key must follow the storage key rules: %w", who, err)
		}
		st, err := e.openStorage(cfg.storage)
		if err != nil {
			return res, fmt.Errorf("%s: open its storage: %w", who, err)
		}
		tx.home = st
		e.cleanTxns(ctx, st)
		if cfg.isolation == Serializable {
			held, err := e.timedLock(ctx, st, txnstore.KeyMarker(cfg.key), lockUse{
				who: who, what: "isolation=serializable", busy: "another transaction of the key runs",
				advice:  "the store must be writable to hold the lock (or use runtime.ReadCommitted, which takes none)",
				waiting: "serializable transaction key held by another process",
				lost:    "lost the lock of a serializable transaction key: another process may run it too",
				attr:    "transaction", name: cfg.key,
			})
			if err != nil {
				return res, err
			}
			if parent != nil {
				// nested: its work commits with the outermost, which
				// releases the lock when it ends
				tx.root.mu.Lock()
				tx.root.unlock = append(tx.root.unlock, held.unlock)
				tx.root.mu.Unlock()
			} else {
				defer held.unlock()
			}
		}
		done, err := tx.committedKey(ctx)
		if err != nil {
			return res, fmt.Errorf("%s: look up an earlier commit on %s: %w", who, st, err)
		}
		if done {
			res.Status = TxnSkipped
			return res, nil
		}
	}
	if tx.root == tx {
		defer tx.releaseLocks()
	}
	err := callTxnBody(context.WithValue(ctx, txnKey{}, tx), fn)
	tx.futures.Wait() // the task runs fn submitted belong to it
	res.Staged = tx.staged()
	if err != nil {
		res.Status = TxnRolledBack
		return res, tx.rollback(ctx, err)
	}
	if parent != nil {
		parent.adopt(tx)
		res.Status = TxnNested
		return res, nil
	}
	if err := tx.commit(ctx); err != nil {
		res.Status = TxnRolledBack
		return res, err
	}
	res.Status = TxnCommitted
	return res, tx.runCommitHooks(ctx)
}

// callTxnBody runs fn, turning a panic into a *PanicError.
func callTxnBody(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	if fn == nil {
		return errors.New("runtime: Transaction without a function")
	}
	return fn(ctx)
}

type txnKey struct{}

// txnFrom returns the transaction of ctx; nil outside transactions.
func txnFrom(ctx context.Context) *txn {
	tx, _ := ctx.Value(txnKey{}).(*txn)
	return tx
}

// txn is one Transaction call. Nested transactions share their root's id
// and stores; each keeps its own entries until it succeeds and its parent
// adopts them.
type txn struct {
	e      *Engine
	root   *txn
	parent *txn
	id     string          // the root's id (read through root)
	key    string          // TxnKey
	home   storage.Storage // the store of the key marker; nil unkeyed
	// futures counts the runs submitted with its context (Submit); it
	// ends only once they have
	futures sync.WaitGroup

	mu      sync.Mutex
	entries []txnEntry // completed task runs, oldest first
	keys    []*txn     // adopted keyed nested transactions (root: all of them)

	// root only, under mu
	stores map[storage.Storage]*txnStore
	order  []storage.Storage // stores in the order first staged to
	locked map[string]bool   // serializable task keys held until the end
	unlock []func()
}

// txnEntry is one completed task run of a transaction.
type txnEntry struct {
	task     string
	store    storage.Storage // where its record was staged; nil: none of its own
	key      string
	commit   func(context.Context) error // nil: no hook
	rollback func(context.Context) error
}

// txnStore is what the transaction staged in one store.
type txnStore struct {
	mu     sync.Mutex
	marker txnstore.Marker
	err    error // the marker could not be written: nothing more is staged there
}

func (tx *txn) who() string {
	if tx.key != "" {
		return fmt.Sprintf("transaction %q", tx.key)
	}
	return "transaction"
}

// committedKey reports whether a transaction keyed tx.key committed in
// tx.home.
func (tx *txn) committedKey(ctx context.Context) (bool, error) {
	return txnstore.Committed(ctx, tx.home, tx.key)
}

// stage records that the transaction is about to write a record at key in
// st: the store's pending marker lists it first, so that the record is
// invisible from the moment it exists, and a crash leaves it findable.
func (tx *txn) stage(ctx context.Context, st storage.Storage, key string) error {
	r := tx.root
	r.mu.Lock()
	ts := r.stores[st]
	first := ts == nil
	if first {
		ts = &txnStore{marker: txnstore.NewMarker(r.id, r.e.now())}
		r.stores[st] = ts
		r.order = append(r.order, st)
	}
	r.mu.Unlock()
	if first {
		r.e.cleanTxns(ctx, st)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.err != nil {
		return ts.err
	}
	ts.marker.Keys = append(ts.marker.Keys, key)
	if err := txnstore.WritePending(ctx, st, ts.marker); err != nil {
		ts.marker.Keys = ts.marker.Keys[:len(ts.marker.Keys)-1]
		return fmt.Errorf("%s: stage %q on %s: %w", tx.who(), storage.ShortKey(key), st, err)
	}
	return nil
}

// add records a completed task run.
func (tx *txn) add(en txnEntry) {
	tx.mu.Lock()
	tx.entries = append(tx.entries, en)
	tx.mu.Unlock()
}

// staged counts the records of tx's entries.
func (tx *txn) staged() int {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	n := 0
	for _, en := range tx.entries {
		if en.store != nil {
			n++
		}
	}
	return n
}

// adopt takes a nested transaction's work after it succeeded.
func (tx *txn) adopt(child *txn) {
	child.mu.Lock()
	entries, keys := child.entries, child.keys
	child.mu.Unlock()
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.entries = append(tx.entries, entries...)
	tx.keys = append(tx.keys, keys...)
	if child.key != "" {
		tx.keys = append(tx.keys, child)
	}
}

// holdLock keeps a serializable task key's lock until the transaction
// ends (as the seeds' engine does: the key is not computed again by
// another run before the transaction commits or rolls back). It reports
// false when the transaction holds the key already.
func (tx *txn) holding(st storage.Storage, key string) bool {
	r := tx.root
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked[st.String()+"\x00"+key]
}

func (tx *txn) holdLock(st storage.Storage, key string, unlock func()) {
	r := tx.root
	r.mu.Lock()
	defer r.mu.Unlock()
	r.locked[st.String()+"\x00"+key] = true
	r.unlock = append(r.unlock, unlock)
}

func (tx *txn) releaseLocks() {
	tx.mu.Lock()
	unlock := tx.unlock
	tx.unlock = nil
	tx.mu.Unlock()
	for _, u := range slices.Backward(unlock) {
		u()
	}
}

// rollback undoes tx after fn failed with cause: it removes the records
// its entries staged (those still labelled with the transaction), then
// for the root the pending markers, and runs the rollback hooks newest
// first. It returns cause joined with what went wrong.
func (tx *txn) rollback(ctx context.Context, cause error) error {
	ctx = context.WithoutCancel(ctx)
	tx.mu.Lock()
	entries := tx.entries
	tx.entries = nil
	tx.mu.Unlock()
	errs := []error{cause}
	byStore := map[storage.Storage][]string{}
	for _, en := range entries {
		if en.store != nil {
			byStore[en.store] = append(byStore[en.store], en.key)
		}
	}
	r := tx.root
	if tx == r {
		r.mu.Lock()
		order := r.order
		r.mu.Unlock()
		for _, st := range order {
			ts := r.stores[st]
			ts.mu.Lock()
			keys, txnKeys := slices.Clone(ts.marker.Keys), slices.Clone(ts.marker.TxnKeys)
			ts.mu.Unlock()
			if _, err := txnstore.Discard(ctx, st, r.id, txnKeys, keys); err != nil {
				errs = append(errs, fmt.Errorf("%s: roll back on %s (what is left stays invisible and is removed by `resultgen results prune -tmp`): %w", tx.who(), st, err))
			}
		}
	} else {
		// a nested transaction: its own records only; the root's markers
		// stay until the root ends
		for st, keys := range byStore {
			for _, k := range slices.Backward(keys) {
				if err := removeOwn(ctx, st, k, r.id); err != nil {
					errs = append(errs, fmt.Errorf("%s: roll back %q on %s: %w", tx.who(), storage.ShortKey(k), st, err))
				}
			}
		}
	}
	for _, en := range slices.Backward(entries) {
		if en.rollback != nil {
			if err := callHook(ctx, en.rollback); err != nil {
				errs = append(errs, &HookError{Task: en.task, Hook: "on_rollback", Err: err})
			}
		}
	}
	return errors.Join(errs...)
}

// removeOwn deletes the record at key in st when it is labelled with
// transaction id.
func removeOwn(ctx context.Context, st storage.Storage, key, id string) error {
	m, err := record.Head(ctx, st, key)
	switch {
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, record.ErrNotRecord):
		return nil
	case err != nil:
		return err
	case m.Labels[LabelTxn] != id:
		return nil
	}
	if err := st.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// commit makes the root's records visible: it writes the key markers of
// the keyed transactions (each naming the transaction, so each counts
// only once the transaction's pending marker in its store is gone), then
// deletes the pending marker of each store, the commit point of that
// store.
func (tx *txn) commit(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx) // a commit, once begun, is not cut short
	keyed := slices.Clone(tx.keys)
	if tx.key != "" {
		keyed = append(keyed, tx)
	}
	for _, k := range keyed {
		// the key marker's store needs a pending marker of the
		// transaction, so that the key counts only from the commit
		if err := tx.ensurePending(ctx, k.home, k.key); err != nil {
			return tx.failCommit(ctx, err)
		}
		if done, err := k.committedKey(ctx); err == nil && done {
			continue // a concurrent transaction of the key committed first
		}
		if err := txnstore.WriteKey(ctx, k.home, k.key, tx.id, false); err != nil {
			return tx.failCommit(ctx, fmt.Errorf("%s: write its key marker on %s: %w", k.who(), k.home, err))
		}
	}
	tx.mu.Lock()
	order := tx.order
	tx.mu.Unlock()
	for i, st := range order {
		if err := st.Delete(ctx, txnstore.PendingKey(tx.id)); err != nil && !errors.Is(err, storage.ErrNotFound) {
			err = fmt.Errorf("%s: %w on %s: %w", tx.who(), ErrTxnCommit, st, err)
			if i == 0 {
				return tx.failCommit(ctx, err)
			}
			return err // the stores before it committed
		}
		tx.e.doneTxn(txnDoneKey{st, tx.id})
	}
	return nil
}

// failCommit rolls back a transaction whose commit could not begin.
func (tx *txn) failCommit(ctx context.Context, err error) error {
	if !errors.Is(err, ErrTxnCommit) {
		err = fmt.Errorf("%w: %w", ErrTxnCommit, err)
	}
	return tx.rollback(ctx, err)
}

// ensurePending makes sure st holds the root's pending marker.
func (tx *txn) ensurePending(ctx context.Context, st storage.Storage, key string) error {
	tx.mu.Lock()
	ts := tx.stores[st]
	if ts == nil {
		ts = &txnStore{marker: txnstore.NewMarker(tx.id, tx.e.now())}
		tx.stores[st] = ts
		tx.order = append(tx.order, st)
	}
	tx.mu.Unlock()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !slices.Contains(ts.marker.TxnKeys, key) {
		ts.marker.TxnKeys = append(ts.marker.TxnKeys, key)
	}
	if err := txnstore.WritePending(ctx, st, ts.marker); err != nil {
		return fmt.Errorf("%s: write its pending marker on %s: %w", tx.who(), st, err)
	}
	return nil
}

// runCommitHooks runs the commit hooks, oldest first.
func (tx *txn) runCommitHooks(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, en := range tx.entries {
		if en.commit != nil {
			if err := callHook(ctx, en.commit); err != nil {
				errs = append(errs, &HookError{Task: en.task, Hook: "on_commit", Err: err})
			}
		}
	}
	return errors.Join(errs...)
}

// callHook runs a hook, turning a panic into a *PanicError.
func callHook(ctx context.Context, h func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return h(ctx)
}

// txnDoneKey names a transaction in a store, for Engine.txnDone.
type txnDoneKey struct {
	st storage.Storage
	id string
}

// errTxnCheck stops a read whose record a transaction staged, when the
// slot cannot tell alone whether the transaction committed (see
// slot.accept): the caller, which has the context, finds out.
type errTxnCheck struct{ id string }

func (e errTxnCheck) Error() string { return "staged by transaction " + e.id }

// txnVisible reports whether a record that transaction id staged in st is
// visible to a run with ctx: it is when the run is in that transaction,
// or when the transaction's pending marker is gone from st (remembered by
// the engine: a transaction's records never become invisible again).
func (e *Engine) txnVisible(ctx context.Context, st storage.Storage, id string) (bool, error) {
	if tx := txnFrom(ctx); tx != nil && tx.root.id == id {
		return true, nil
	}
	k := txnDoneKey{st, id}
	if _, ok := e.txnDone.Load(k); ok {
		return true, nil
	}
	p, err := txnstore.Pending(ctx, st, id)
	if err != nil {
		return false, fmt.Errorf("look up transaction %s on %s: %w", id, st, err)
	}
	if !p {
		e.doneTxn(k)
	}
	return !p, nil
}

// txnDoneMax bounds Engine.txnDone: a service that runs a transaction a
// request would otherwise keep one entry per transaction for its life.
// Past it the map is cleared: an entry only spares a lookup of the
// transaction's pending marker, which the next read of its records makes
// again (and remembers).
const txnDoneMax = 1 << 14

// doneTxn remembers that the transaction k committed.
func (e *Engine) doneTxn(k txnDoneKey) {
	if e.txnDoneN.Add(1) > txnDoneMax {
		e.txnDone.Clear()
		e.txnDoneN.Store(1)
	}
	e.txnDone.Store(k, true)
}

// txnHooks wraps a task's typed hooks for a transaction entry.
func txnHooks[R any](inv *Invocation[R], v R) (commit, rollback func(context.Context) error) {
	if h := inv.OnCommit; h != nil {
		commit = func(ctx context.Context) error { return h(ctx, v) }
	}
	if h := inv.OnRollback; h != nil {
		rollback = func(ctx context.Context) error { return h(ctx, v) }
	}
	return commit, rollback
}

// cleanTxns removes, once per engine and store, what abandoned
// transactions left in st (see txnstore: only those whose process is
// provably gone, or whose marker went unwritten for txnstore.StaleAge).
// Their records are invisible either way: a failure is logged at WARN
// and left to `resultgen results prune -tmp`.
func (e *Engine) cleanTxns(ctx context.Context, st storage.Storage) {
	if _, done := e.txnCleaned.LoadOrStore(st, true); done {
		return
	}
	open, err := txnstore.List(ctx, st)
	if err != nil {
		e.logger.Warn("transaction: cannot list abandoned transactions (`resultgen results prune -tmp` removes them)", "storage", st.String(), "error", err)
		return
	}
	now := e.now()
	for _, o := range open {
		if !o.Abandoned(now) {
			continue
		}
		removed, err := txnstore.Clean(ctx, st, o)
		if err != nil {
			e.logger.Warn("transaction: cannot remove what an abandoned transaction left (`resultgen results prune -tmp` removes it)", "txn", o.Txn, "storage", st.String(), "error", err)
			continue
		}
		e.logger.Info("transaction: removed what an abandoned transaction left", "txn", o.Txn, "storage", st.String(), "records", len(removed), "pid", o.PID, "host", o.Host)
	}
}
