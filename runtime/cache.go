package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// taskKey returns the storage key of a persisted task result, whether a
// record already at that key may be reused, the key's manifest (what it
// was made of, kept in the record's header; zero for a random key), by
// value: a cache hit never needs it on the heap, and, for a key made from
// the inputs, the pooled keyHasher that hashed them, holding each
// parameter's own hash for withParams (the caller releases it; nil
// otherwise):
//
//  1. a storage-key template: the rendered key;
//  2. else a cache_key_fn: its string;
//  3. else the cache policy: the hex SHA-256 of its parts, or with "none" a
//     random key that is never looked up.
//
// Keys from 1 and 2 must pass storage.CheckKey on the task's store (the
// key rules, and what the store itself can hold), here, before the body
// runs: a key is never found wrong only when the result is written.
func taskKey(ctx context.Context, inv *keyIn, cfg *Config, p *plan, fr *flowRun, tr *taskRun) (string, bool, record.Manifest, *keyHasher, error) {
	def := inv.def
	switch {
	case inv.storageKey != nil:
		man := record.Manifest{KeyFrom: string(rules.KeyStorageKey), StorageKey: cfg.StorageKey, Source: def.Source, Units: def.Units}
		if def.KeyUsesFlowRun && fr == nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: storage key %q needs a flow run (it uses flow_run fields), but the task runs outside a flow", p.name, cfg.StorageKey)
		}
		kc := KeyContext{TaskRun: tr.get()}
		if fr != nil {
			kc.FlowRun, kc.FlowRunStart, kc.flow = fr.info(), fr.start, fr
		}
		k, err := inv.storageKey(kc)
		if err != nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: render storage key %q: %w", p.name, cfg.StorageKey, err)
		}
		if err := errors.Join(storage.CheckKey(p.store, k), reservedKey(k)); err != nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: storage_key %q on %s: %w", p.name, cfg.StorageKey, p.store, err)
		}
		return k, true, man, nil, nil
	case inv.cacheKey != nil:
		man := record.Manifest{KeyFrom: string(rules.KeyCacheKeyFn), Source: def.Source, Units: def.Units}
		k, err := inv.cacheKey(ctx)
		if err != nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: cache_key_fn: %w", p.name, err)
		}
		if err := errors.Join(storage.CheckKey(p.store, k), reservedKey(k)); err != nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: cache_key_fn's key on %s: %w", p.name, p.store, err)
		}
		return k, true, man, nil, nil
	}
	kp := p.policy
	if kp.none {
		return uuid.NewString(), false, record.Manifest{}, nil, nil
	}
	// The hex SHA-256 of the policy's parts, in their sorted order. The
	// lookup hashes the inputs as a whole only; a miss hashes them again,
	// each parameter on its own too (kh.trackParams), for withParams to
	// make Manifest.Params of (a hit never needs them).
	// The key's preimage (each string as its uvarint
	// length and bytes, as the encoder writes them) is built in one stack
	// buffer and hashed by one sha256.Sum256: no pooled digest for it, and
	// no interface write per length and per string. Serves P3 (both
	// rows): with the memory store's key check on misses only, a memory
	// hit (BenchmarkWrapperHit1KiB/memory) went from 28.7k to 26.8k
	// instructions (callgrind).
	man := record.Manifest{KeyFrom: string(rules.KeyCachePolicy), Policy: kp.text}
	// out holds the key's hex, then the inputs' (when hashed): one string
	// for both, the key and Manifest.Inputs its two halves (one allocation
	// a hit rather than two).
	var out [4 * sha256.Size]byte
	var hx *[2 * sha256.Size]byte // the inputs' hex in out, once hashed
	var kh *keyHasher
	if p.keys != nil {
		// inputs seen before: their key from the memo, nothing hashed
		var err error
		if kh, err = encodeInputs(inv, kp.excluded); err != nil {
			return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: hash inputs for the cache key: %w", p.name, err)
		}
		if in, ok := kh.input(); ok {
			if both, ok := p.keys.get(in); ok {
				kh.memo = true
				man.Inputs = both[2*sha256.Size:]
				if slices.Contains(kp.parts, rules.PolicyTaskSource) {
					man.Source, man.Units = def.Source, def.Units
				}
				return both[:2*sha256.Size], true, man, kh, nil
			}
		}
	}
	var pre [512]byte
	buf := appendKeyStr(pre[:0], "resultgen-cache-key/v1")
	buf = appendKeyStr(buf, def.Func)
	for _, part := range kp.parts {
		var v string
		switch part {
		case rules.PolicyInputs:
			hx = (*[2 * sha256.Size]byte)(out[2*sha256.Size:])
			if kh == nil {
				var err error
				if kh, err = encodeInputs(inv, kp.excluded); err != nil {
					return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: hash inputs for the cache key: %w", p.name, err)
				}
			}
			hexSum(hx, kh.in.h.Sum(kh.sum[:0]))
			if p.encrypt && p.keyring != nil { // keyed: see keyed.go
				keyInputs(hx, kh, p.keyring)
				man.Keyed = true
			}
			buf = appendKeyStr(buf, part)
			buf = appendKeyBytes(buf, hx[:])
			continue
		case rules.PolicyTaskSource:
			v = def.Source
			man.Source, man.Units = def.Source, def.Units
		case rules.PolicyRunID:
			if fr != nil {
				v = fr.id
			} else {
				v = tr.get().ID
			}
			man.RunID = v
		case rules.PolicyFlowParameters:
			if fr == nil {
				continue // not a part of the key outside a flow
			}
			if fr.inputErr != nil {
				kh.release()
				return "", false, record.Manifest{}, nil, fmt.Errorf("task %s: hash parameters of flow %s for the cache key: %w", p.name, fr.flowName, fr.inputErr)
			}
			v = fr.inputHash
			man.FlowParameters = v
		default:
			continue
		}
		buf = appendKeyStr(buf, part)
		buf = appendKeyStr(buf, v)
	}
	sum := sha256.Sum256(buf)
	n := hexSum((*[2 * sha256.Size]byte)(out[:]), sum[:])
	if hx == nil {
		return string(out[:n]), true, man, nil, nil
	}
	both := string(out[:])
	man.Inputs = both[n:]
	return both[:n], true, man, kh, nil
}

// appendKeyStr appends s as the encoder writes a string: its uvarint
// length, then its bytes.
func appendKeyStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendKeyBytes(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// encodeInputs encodes inv's inputs (leaving out exclude) into a pooled
// keyHasher, hashing them unless they fit its buffer (see bufHash). It
// returns the keyHasher, whose Sum is the inputs' digest, for the key
// and, on a miss, for trackParams and withParams; the caller releases it.
func encodeInputs(inv *keyIn, exclude map[string]bool) (*keyHasher, error) {
	kh := keyHashers.Get().(*keyHasher)
	h := kh.inputs(exclude)
	if err := inv.hashInputs(h); err != nil {
		kh.release()
		return nil, err
	}
	return kh, nil
}

// input returns the encoding of the inputs kh hashed last, when it is
// short enough to be kept whole (see keyMemo).
func (kh *keyHasher) input() ([]byte, bool) { return kh.in.h.(*bufHash).input() }

// withParams completes a cache policy's manifest with each parameter's own
// hash (Manifest.Params), which kh (taskKey's, nil when the key has no
// inputs part) kept from trackParams: a miss persists them (and explains
// with them); a hit never asks.
func withParams(man record.Manifest, kh *keyHasher) record.Manifest {
	if kh == nil || man.Inputs == "" {
		return man
	}
	man.Params = kh.in.paramSums()
	return man
}

// keyHasher is a pooled Hasher for the inputs part of a policy key: a P3
// hit (through the generated wrapper) allocates none. On a miss,
// trackParams hashes each parameter on its own too (reusing its digests),
// for withParams.
type keyHasher struct {
	sum [sha256.Size]byte
	in  Hasher
	// memo: the key came from the plan's key memo (see remember)
	memo bool
}

// remember puts key and the inputs' digest (man.Inputs) into p's key
// memo for the inputs kh encoded, after they hit: the memo keeps the keys
// of inputs that are looked up again, not of every first run's.
func (kh *keyHasher) remember(p *plan, key string, man record.Manifest) {
	if kh == nil || kh.memo || p.keys == nil || man.Inputs == "" {
		return
	}
	if in, ok := kh.input(); ok {
		p.keys.put(in, key+man.Inputs)
	}
}

// inputs returns kh's Hasher of the inputs, reset, leaving out exclude.
func (kh *keyHasher) inputs(exclude map[string]bool) *Hasher {
	// Field by field, not a new Hasher: the struct is some 300 bytes,
	// mostly the encoder's scratch, which needs no zeroing (its scalar
	// methods set e.w and write before they read), and assigning a whole
	// one was 2.8% of BenchmarkWrapperHit1KiB/memory (P3), this 0.9%.
	// Pointers are stored only when they change (see Hasher.setW).
	in := &kh.in
	in.h.Reset()
	if in.exclude != nil || exclude != nil {
		in.exclude = exclude
	}
	in.paramOK, in.track, in.used = false, false, 0
	if len(in.params) > 0 {
		in.params = in.params[:0]
	}
	if in.cur != nil {
		in.cur = nil
	}
	in.setW(in.hw)
	if in.e.seen != nil {
		in.e.seen = nil
	}
	in.e.depth = 0
	kh.memo = false
	return in
}

// trackParams hashes the inputs again, each parameter on its own as well,
// for withParams and keyedParams: a miss's second pass. A lookup hashes
// each parameter once, into the key's inputs part, and not also into a
// digest of its own (through pairWriter: two Writes per piece). Serves P3
// (both rows): a memory hit (benchtable's HitMemoryTask.State) went from
// 21.0k to 20.6k instructions (callgrind, GOGC=off) and from 2.38 to
// 2.27 µs (median of 8 alternating runs); a miss hashes its inputs twice.
func (kh *keyHasher) trackParams(inputs func(*Hasher) error, exclude map[string]bool) error {
	h := kh.inputs(exclude)
	h.track = true
	if inputs == nil {
		return nil
	}
	return inputs(h)
}

// release returns kh to the pool (nil: nothing to return). Its parameter
// hashes are reset on reuse: call it once they have been read.
func (kh *keyHasher) release() {
	if kh != nil {
		keyHashers.Put(kh)
	}
}

var keyHashers = sync.Pool{New: func() any {
	kh := new(keyHasher)
	kh.in.setHash(newBufHash(sha256.New()))
	return kh
}}

// keyPolicy is a parsed cache_policy, as keys use it. resolve parses it
// once into the run's plan, which the engine or the calling flow run
// remembers, so a run of a remembered plan parses none.
type keyPolicy struct {
	none     bool
	parts    []string        // sorted, unique
	excluded map[string]bool // parameters left out of inputs; read only
	text     string          // the resolved policy (Manifest.Policy)
}

// newKeyPolicy parses the cache_policy s ("" is the default).
func newKeyPolicy(s string) (*keyPolicy, error) {
	pol, err := parsePolicy(s)
	if err != nil {
		return nil, err
	}
	return &keyPolicy{none: pol.None(), parts: pol.Parts(), excluded: pol.Excluded(), text: pol.String()}, nil
}

// lookup is what a cache lookup found.
type lookup uint8

const (
	lookupAbsent lookup = iota // nothing at the key
	lookupHit                  // a committed, unexpired record of the run's result type
	lookupStale                // an expired or damaged record, or one of the task's old result type, to overwrite
)

// slot is a persisted run's place in storage: the store, the key, and who
// may read and write there.
type slot struct {
	e    *Engine
	p    *plan // the run's plan (read only; often the memo's own)
	def  *Def
	task string // the task's name
	key  string
	want *resultType // read only, often the plan's own
	// vet, when set, judges a committed record before its type is: a
	// reason makes it stale (recomputed and replaced; see flowRun.vetStep
	// and vetRunRecord).
	vet func(*record.Meta) string
	// ahead, when set, may hold the key's record, read ahead by the
	// calling flow run (see readAhead)
	ahead *readAhead
	// ops, when set, is the opsOf the run's result type: loadRef's
	// memory fast path
	ops resultOps

	used time.Time // the record's last use (Info.Modified), as inspect saw it
}

// who names the slot's run in errors: "task Hello", "flow greet".
func (s *slot) who() string { return runWho(s.def, s.task) }

// TouchEvery is how often, at most, a served record's last-use time
// (storage.Toucher) is refreshed: a hit touches the record only when it was
// last used longer ago than this, so reads stay reads. `resultgen results
// prune -max-size` removes the least recently used records first.
const TouchEvery = time.Hour

// touch refreshes the last-use time of the record just served, when the
// store can and it is older than TouchEvery. Failures are only logged.
func (s *slot) touch(ctx context.Context) {
	t, ok := s.p.store.(storage.Toucher)
	if !ok || s.used.IsZero() {
		return
	}
	now := s.e.recentNow()
	if now.UnixNano()-s.used.UnixNano() < int64(TouchEvery) {
		return
	}
	if err := t.Touch(ctx, s.key, now); err != nil {
		s.e.logger.Debug("cannot refresh the last use of a record", "task", s.task, "key", storage.ShortKey(s.key), "error", err)
	}
}

// recentNow is the engine's clock give or take a second, for touch, whose
// unit is TouchEvery: a reading is reused for a second, then the next call
// reads the clock again. With WithClock it is the clock itself. Serves P3's
// hit rows: time.Now was 6% of a memory hit (a vDSO call of some 70 ns on
// this machine kind, pprof of benchtable's HitMemoryTask.State).
func (e *Engine) recentNow() time.Time {
	if e.clockSet {
		return e.now()
	}
	if ns := e.recent.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	now := e.now()
	if e.recent.CompareAndSwap(0, now.UnixNano()) {
		time.AfterFunc(time.Second, func() { e.recent.Store(0) })
	}
	return now
}

// whyStaged is why a record a transaction staged and has not committed is
// not served.
const whyStaged = "the record at the key is staged by a transaction that has not committed"

// errStale stops ReadChecked when the header shows a record to recompute.
type errStale struct{ why string }

func (e errStale) Error() string { return e.why }

// inspect looks at the record at the key without reading its payload: what
// a lookup would find, why it is not a hit, or an error when the object must
// not be served nor overwritten (not a record; another task's record of
// another type).
func (s *slot) inspect(ctx context.Context) (lookup, record.Meta, string, error) {
	m, info, err := record.HeadInfo(ctx, s.p.store, s.key)
	s.used = info.Modified
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return lookupAbsent, m, "no record at the key", nil
	case errors.Is(err, record.ErrNotRecord):
		return lookupAbsent, m, "", foreign(s.who(), s.p.store, s.key, err)
	case errors.Is(err, record.ErrCorrupt):
		return s.damaged(err, m)
	case err != nil:
		return lookupAbsent, m, "", fmt.Errorf("%s: look up cached result on %s: %w", s.who(), s.p.store, err) // err names the key
	}
	if id := m.Labels[LabelTxn]; id != "" {
		vis, err := s.e.txnVisible(ctx, s.p.store, id)
		switch {
		case err != nil:
			return lookupAbsent, m, "", fmt.Errorf("%s: %w", s.who(), err)
		case !vis:
			return lookupStale, m, whyStaged, nil
		}
	}
	if s.vet != nil {
		if why := s.vet(&m); why != "" {
			return lookupStale, m, why, nil
		}
	}
	why, err := s.want.judge(&m, s.def, s.task, s.p.store, s.key)
	switch {
	case err != nil:
		return lookupAbsent, m, "", err
	case why != "":
		return lookupStale, m, why, nil
	case m.Expired(s.e.now()):
		return lookupStale, m, "the record expired at " + m.Expires.UTC().Format(time.RFC3339), nil
	}
	return lookupHit, m, "", nil
}

func (s *slot) damaged(err error, m record.Meta) (lookup, record.Meta, string, error) {
	s.e.logger.Warn("replacing a damaged result record", "task", s.task, "storage", s.p.store.String(), "key", storage.ShortKey(s.key), "error", err)
	return lookupStale, m, "a damaged record was replaced", nil
}

// load looks for a reusable record at the key and decodes it into *dst
// (dst is a *R, R the run's result type), which it replaces only on a hit
// with a fully decoded value. A record is decoded only when it holds the
// run's result type (see resultType.judge); why says what was found when
// it is not a hit. A task with a value does it in one read of the object:
// the header is judged (type, task, expiry) before a byte of the payload
// is decoded, and a record not to serve is left unread past its header.
func (s *slot) load(ctx context.Context, dst any) (lookup, record.Meta, string, error) {
	l, m, why, err := s.loadRef(ctx, dst)
	return l, *m, why, err
}

// resultOps is what the runtime's type-free code asks of a run's result
// type R: its fingerprint, and loadRef's fast path (P3's memory hit).
type resultOps interface {
	// want is wantOf R.
	want(def *Def, p *plan) *resultType
	// kept stores the value a record kept decoded in memory holds
	// (record.Kept) into dst (a *R) and returns the record's kept Meta,
	// when the record's verdict says that it passed under plan p (see
	// passed); otherwise dst is untouched.
	kept(memo *storage.Memo, dst any, p *plan) (*record.Meta, bool)
}

// opsOf is the resultOps of R. A zero-size value: it makes an interface
// value without an allocation.
type opsOf[R any] struct{}

func (opsOf[R]) want(def *Def, p *plan) *resultType { return wantOf[R](def, p) }

func (opsOf[R]) kept(memo *storage.Memo, dst any, p *plan) (*record.Meta, bool) {
	km, v, verdict, ok := record.Kept[R](memo)
	if !ok || !passed(verdict, p) {
		return nil, false
	}
	*dst.(*R) = v
	return km, true
}

// loadRef is load returning the record's Meta by pointer, never nil: on a
// memory hit the record's kept Meta itself (read only; see
// record.ReadCheckedRef), which the run's State points at. Serves P3's
// memory hit: one allocation and four copies of a Meta fewer, 25.6k ->
// 23.8k instructions and 2304 -> 1792 bytes a hit (callgrind, -benchmem).
//
// With s.ops, a record kept decoded in memory (record.Kept) whose
// verdict under the run's plan passed is served without a read (P3's
// memory hit).
func (s *slot) loadRef(ctx context.Context, dst any) (lookup, *record.Meta, string, error) {
	if !s.def.Value {
		l, m, why, err := s.inspect(ctx)
		return l, &m, why, err
	}
	if s.ahead != nil {
		// a record read ahead is served only when it is a hit; anything
		// else, and the key's object is read again (see readAhead)
		if m, info, ok := s.loadAhead(ctx, dst); ok {
			s.used = info.Modified
			return lookupHit, &m, "", nil
		}
	}
	if mg, ok := s.p.store.(storage.MemoGetter); ok {
		b, memo, info, err := mg.GetBytesMemo(ctx, s.key)
		if err == nil && s.ops != nil && s.vet == nil {
			if km, ok := s.ops.kept(memo, dst, s.p); ok {
				s.used = info.Modified
				return lookupHit, km, "", nil
			}
		}
		return s.loadMemo(ctx, dst, b, memo, info, err)
	}
	var refused error // accept's own error, returned as it is
	m, info, err := record.ReadCheckedRef(ctx, s.p.store, s.key, s.p.ser, dst, s.accept(&refused), s.p.headers)
	return s.loaded(ctx, dst, m, info, err, refused)
}

// loadMemo is loadRef's read of the object a memory store returned
// (GetBytesMemo's b, memo, info and err).
func (s *slot) loadMemo(ctx context.Context, dst any, b []byte, memo *storage.Memo, info storage.Info, err error) (lookup, *record.Meta, string, error) {
	var refused error // accept's own error, returned as it is
	var m *record.Meta
	if err != nil {
		m = new(record.Meta)
	} else {
		m, err = record.ReadMemo(ctx, s.p.store, s.key, b, memo, s.p.ser, dst, s.accept(&refused))
		if err == nil && s.vet == nil && m.Expires.IsZero() && m.Labels[LabelTxn] == "" {
			// judged by nothing but the record and the plan: the next
			// hit of this record under this plan is not judged again
			// (see record.Kept)
			if verdict := record.Verdict(memo); verdict != nil {
				var x any = s.p
				verdict.Store(&x)
			}
		}
	}
	return s.loaded(ctx, dst, m, info, err, refused)
}

// loaded is loadRef's conclusion from a read of the key's object into
// dst: the record's Meta m, the object's info, the read's error and
// accept's own (refused).
func (s *slot) loaded(ctx context.Context, dst any, m *record.Meta, info storage.Info, err, refused error) (lookup, *record.Meta, string, error) {
	s.used = info.Modified
	if tc, ok := err.(errTxnCheck); ok {
		// staged by a transaction: served when the run is in it or it
		// committed (then remembered: the next read takes the record)
		vis, verr := s.e.txnVisible(ctx, s.p.store, tc.id)
		switch {
		case verr != nil:
			return lookupAbsent, m, "", fmt.Errorf("%s: %w", s.who(), verr)
		case !vis:
			return lookupStale, m, whyStaged, nil
		}
		refused = nil
		m, info, err = record.ReadCheckedRef(ctx, s.p.store, s.key, s.p.ser, dst, s.acceptTxn(&refused, tc.id), s.p.headers)
		s.used = info.Modified
		if _, again := err.(errTxnCheck); again { // another transaction staged it meanwhile
			return lookupStale, m, whyStaged, nil
		}
	}
	stale, isStale := err.(errStale) // accept's errors come back as they are
	switch {
	case err == nil:
		return lookupHit, m, "", nil
	case refused != nil:
		return lookupAbsent, m, "", refused
	case isStale:
		return lookupStale, m, stale.why, nil
	case errors.Is(err, storage.ErrNotFound):
		return lookupAbsent, m, "no record at the key", nil
	case errors.Is(err, record.ErrNotRecord):
		return lookupAbsent, m, "", foreign(s.who(), s.p.store, s.key, err)
	case errors.Is(err, record.ErrCorrupt):
		l, dm, why, err := s.damaged(err, *m)
		return l, &dm, why, err
	}
	return lookupAbsent, m, "", fmt.Errorf("%s: read cached result from %s: %w", s.who(), s.p.store, err) // err names the key
}

// passed reports whether the verdict slot of a record kept in memory (see
// record.Kept) says that the record passed accept under plan p, with
// nothing else deciding: then serving it again needs no judgment. Serves
// P3's memory hit: a hit under a memoized plan skips the record reader
// (reflection) and accept's label lookup and type check (with
// record.Kept, 6.9k -> 6.0k instructions a hit through the wrapper,
// callgrind).
func passed(verdict *atomic.Pointer[any], p *plan) bool {
	j := verdict.Load()
	return j != nil && *j == any(p)
}

// accept is load's check of a record's header, before its payload is
// decoded: an errStale for a record to recompute, or the judge's own
// error (also left in *refused) for one that must not be served nor
// overwritten.
func (s *slot) accept(refused *error) func(*record.Meta) error {
	return func(m *record.Meta) error {
		if id := m.Labels[LabelTxn]; id != "" {
			if _, ok := s.e.txnDone.Load(txnDoneKey{s.p.store, id}); !ok {
				return errTxnCheck{id}
			}
		}
		return s.judgeHeader(m, refused)
	}
}

// acceptTxn is accept for a second read of a record staged by
// transaction txn, known visible to the run (its own, or committed): a
// record of another uncommitted transaction is still stopped.
func (s *slot) acceptTxn(refused *error, txn string) func(*record.Meta) error {
	return func(m *record.Meta) error {
		if id := m.Labels[LabelTxn]; id != "" && id != txn {
			if _, ok := s.e.txnDone.Load(txnDoneKey{s.p.store, id}); !ok {
				return errTxnCheck{id}
			}
		}
		return s.judgeHeader(m, refused)
	}
}

// judgeHeader is accept's check of a record's header once its
// transaction, if any, is known visible.
func (s *slot) judgeHeader(m *record.Meta, refused *error) error {
	if s.vet != nil {
		if why := s.vet(m); why != "" {
			return errStale{why}
		}
	}
	why, err := s.want.judge(m, s.def, s.task, s.p.store, s.key)
	switch {
	case err != nil:
		*refused = err
	case why != "":
		err = errStale{why}
	case s.p.encrypt && m.Encryption == nil:
		// written in the clear before encryption was on: replaced by
		// an encrypted record (a record of ours, so it may be)
		err = errStale{"the record is not encrypted and the task encrypts its results"}
	case !m.Expires.IsZero() && m.Expired(s.e.now()): // no clock read for a record that never expires
		err = errStale{"the record expired at " + m.Expires.UTC().Format(time.RFC3339)}
	}
	return err
}

// literalOf reports whether v is stored inline (see record.LiteralOf); the
// nothing of a function without a value is "null".
func literalOf(v any, hasValue bool) (string, bool) {
	if !hasValue {
		return "null", true
	}
	return record.LiteralOf(v)
}

// persist commits v, a value of the run's result type R, at the key.
// Without overwrite the write is conditional: lost reports that another
// run committed a record of R at the key first; its value is then read
// into won (a *R), for the run to return instead. It takes v and won as
// any, so that it is compiled once, not once per result type in every
// package of tasks.
func (s *slot) persist(ctx context.Context, v, won any, overwrite bool, meta record.Meta) (lost bool, _ record.Meta, _ error) {
	p, def, key := s.p, s.def, s.key
	meta = s.want.stamp(meta, def)
	opts := storage.PutOptions{IfAbsent: !overwrite, Size: -1}
	var err error
	sealed := p.encrypt && def.Value // a value's literal (a bool) would show in the header
	if sealed {
		ctx = record.WithSealing(ctx, p.keyring)
	}
	var written []byte // the record, when put whole (kept for a steps pack)
	if lit, ok := literalOf(v, def.Value); ok && !sealed {
		meta, written, err = record.WriteLiteralBytes(ctx, p.store, key, meta, lit, opts)
	} else {
		meta, written, err = record.WriteBytes(ctx, p.store, key, meta, p.ser, v, opts)
	}
	if err == nil {
		s.ahead.keep(key, written, true)
	}
	if errors.Is(err, storage.ErrExists) {
		l, m, why, err := s.inspect(ctx)
		if err != nil {
			return false, m, err
		}
		if l == lookupStale && why == whyStaged && !overwrite {
			// another transaction's record, not committed: this run's
			// own result takes the key (that transaction never removes
			// a record it did not write)
			return s.persist(ctx, v, won, true, meta)
		}
		if l != lookupHit {
			return false, m, fmt.Errorf("%s: a concurrent run committed a record at %q on %s that this run cannot use (%s)", s.who(), storage.ShortKey(key), p.store, why)
		}
		if !def.Value {
			return false, m, nil
		}
		m, err = s.readWon(ctx, won)
		return true, m, err
	}
	if err != nil {
		return false, meta, fmt.Errorf("%s: persist result on %s: %w", s.who(), p.store, err) // err names the key
	}
	return false, meta, nil
}

// readWon reads into won (a *R) the record another run committed at the
// key before this run's conditional write.
func (s *slot) readWon(ctx context.Context, won any) (record.Meta, error) {
	reflect.ValueOf(won).Elem().SetZero() // a lookup may have left a part of a value
	p, def, key := s.p, s.def, s.key
	m, err := record.ReadChecked(ctx, p.store, key, p.ser, won, func(m *record.Meta) error {
		_, err := s.want.judge(m, def, s.task, p.store, key)
		return err
	})
	if err != nil {
		return m, fmt.Errorf("%s: read the result a concurrent run committed on %s: %w", s.who(), p.store, err)
	}
	return m, nil
}
