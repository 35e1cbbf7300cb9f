package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Reading a flow run's records ahead, on stores where every read is a
// round trip (storage.ReadAheader: S3). Row served: `make bench-peers`,
// "re-run" on S3: 1,000 tasks of 1 KiB read back one GET after the other
// took 1.42 s (4.9x of DBOS), read ahead 0.54 to 0.95 s (1.8x to 2.4x),
// on 2 cores at load average 9 to 15.
//
// When a flow run succeeds, the runtime keeps in the flow's store the
// flow's steps index (stepsIndexKey): the keys its tasks read or wrote
// there, in the order they first did, with the flow's code version and
// the digest of its parameters. Only keys that a later run computes again
// are kept: a key made by a cache policy without run_id, by cache_key_fn,
// or by a storage-key template that uses no flow_run field. A later run
// of the flow with the same code version and parameters reads the index
// (one GET) before its body runs and fetches those records in the
// background, ReadAhead at a time, in that order; a task's lookup then
// takes its record from there instead of making its own GET.
//
// A record read ahead is served only when it is a hit by every check a
// direct read makes (integrity hash, task, result type, code version,
// expiry, a named run's checks). Anything else (absent, damaged, foreign,
// stale, a failed or cut read, a key read ahead already taken once) and
// the task reads the key itself, exactly as without reading ahead: the
// record read ahead changes no outcome but a hit's, and a hit served from
// it is the record the key held when the flow run started.
//
// The index is a hint: one object per flow function, replaced by the next
// run of the flow that used other keys, written without fsync, never read
// as a record (List does not show it). Nothing is read ahead when it is
// missing, damaged or of other code or parameters, and a run stops
// reading ahead when its first aheadGiveUp lookups are all keys the index
// does not list (it calls other steps). Memory is bounded:
// objects over aheadMaxObject are not read ahead, and no more than
// aheadMaxBytes wait to be taken at once.
//
// The steps pack. On a store whose listing tells what an object holds
// (storage.ContentMatcher: S3 without server-side encryption, where an
// object's ETag is its MD5), the index also carries the records
// themselves, as the run read or wrote them (packMaxBytes at most), so
// that a later run reads one object instead of a GET per record. Row
// served: `make bench-peers`, "re-run" on S3: 1,000 records read ahead
// by GET took 292-308 ms (1.57x-1.74x of DBOS), from the pack 73-92 ms
// (0.35x-0.52x) in the same sessions. A packed record is served only when one listing of
// the keys' common folder, made when the run starts, shows the key's
// object holding exactly those bytes (its size, and its ETag their MD5),
// and then only when it passes every check a direct read makes; any other
// key is read by GET as above. The listing is cut after listMax objects
// (a folder of many other records): the keys not reached are read by GET.
// So a record served from the pack is, as by GET, the record the key held
// when the run started: a record removed (`resultgen results rm`, prune,
// an S3 lifecycle rule) or replaced since the pack was written is never
// served from it.
const (
	stepsFormat    = "resultgen-steps/v2"
	stepsFormatV1  = "resultgen-steps/v1" // keys only, no pack: still read
	maxIndexSteps  = 10_000               // keys an index keeps (about 700 KB)
	maxIndexBytes  = 2 << 20              // a larger index (JSON) is not read
	packMaxBytes   = 16 << 20             // records a pack holds at most
	aheadMaxObject = 64 << 10
	aheadMaxBytes  = 64 << 20
)

// listMax is how many objects the listing that checks a pack of n
// records may go through: a listed object costs MinIO about a fifth of a
// GET's CPU, so past n+1,000 the GETs are cheaper.
func listMax(n int) int { return n + 1000 }

// stepsIndex is the steps index object: this JSON, then (v2, when Sizes
// is set) a newline and the packed records one after the other.
type stepsIndex struct {
	Format string   `json:"format"`
	Flow   string   `json:"flow"`   // Def.Func
	Code   string   `json:"code"`   // Def.Source
	Params string   `json:"params"` // the flow run's parameters digest
	Keys   []string `json:"keys"`
	// Sizes[i] is the length of the record of Keys[i] in the pack, -1
	// when the pack does not hold it; nil: no pack.
	Sizes []int `json:"sizes,omitempty"`
}

// stepsIndexKey is the key of the steps index of the flow function flow
// (Def.Func): ".index/steps-" and the first 32 hex digits of its SHA-256.
func stepsIndexKey(flow string) string {
	sum := sha256.Sum256([]byte(flow))
	return storage.IndexKey("steps-" + hex.EncodeToString(sum[:16]))
}

// readStepsIndex reads the steps index of flow from st, and its pack:
// packed[i] is the record of Keys[i], nil when the pack does not hold it
// (packed is nil without a pack).
func readStepsIndex(ctx context.Context, st storage.Storage, flow string) (idx stepsIndex, packed [][]byte, err error) {
	rc, err := st.Get(ctx, stepsIndexKey(flow))
	if err != nil {
		return idx, nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxIndexBytes+packMaxBytes+1))
	if err != nil {
		return idx, nil, err
	}
	return parseStepsIndex(b)
}

// parseStepsIndex parses a steps index object's bytes b; packed's records
// are slices of b.
func parseStepsIndex(b []byte) (idx stepsIndex, packed [][]byte, err error) {
	if len(b) > maxIndexBytes+packMaxBytes {
		return idx, nil, fmt.Errorf("steps index over %d bytes", maxIndexBytes+packMaxBytes)
	}
	js, pack, _ := bytes.Cut(b, []byte("\n")) // JSON holds no raw newline
	if len(js) > maxIndexBytes {
		return idx, nil, fmt.Errorf("steps index over %d bytes", maxIndexBytes)
	}
	if err := json.Unmarshal(js, &idx); err != nil {
		return idx, nil, fmt.Errorf("steps index: %w", err)
	}
	switch {
	case idx.Format == stepsFormatV1:
		return idx, nil, nil
	case idx.Format != stepsFormat:
		return idx, nil, fmt.Errorf("steps index of format %q, want %q", idx.Format, stepsFormat)
	case idx.Sizes == nil:
		return idx, nil, nil
	case len(idx.Sizes) != len(idx.Keys):
		return idx, nil, fmt.Errorf("steps index: %d sizes for %d keys", len(idx.Sizes), len(idx.Keys))
	}
	packed = make([][]byte, len(idx.Keys))
	for i, n := range idx.Sizes {
		switch {
		case n < 0:
			continue
		case n > len(pack):
			return idx, nil, fmt.Errorf("steps pack cut short: %d bytes for key %d of %d", len(pack), i+1, len(idx.Keys))
		}
		packed[i], pack = pack[:n:n], pack[n:]
	}
	if len(pack) != 0 {
		return idx, nil, fmt.Errorf("steps pack: %d bytes past its last record", len(pack))
	}
	return idx, packed, nil
}

// readAhead is one flow run's reading ahead on its store: the records
// fetched and not yet taken, and the keys its tasks used (the next index)
// with the records of those it can pack.
type readAhead struct {
	st     storage.Storage
	name   string // st.String()
	index  stepsIndex
	had    []string // the keys of the index read when the run started, if it matched
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// match is the store's ContentMatch (nil: no pack is read or kept);
	// checked is closed when the listing that checks the pack read at the
	// start has ended (nil: none was read)
	match   func(storage.Info, []byte) bool
	checked chan struct{}

	mu      sync.Mutex
	entries map[string]*aheadEntry
	bytes   int64 // fetched and not yet taken
	steps   []string
	seen    map[string]bool
	// lookups the index did not list, and those it did: a run whose first
	// aheadGiveUp lookups are all unlisted calls other steps than the
	// last run (other inputs read from elsewhere), and stops reading ahead
	unlisted, listed int
	// the records of the next pack: kept[key] as read or written by this
	// run (keptBytes in all); wrote: keys this run wrote a record at;
	// hadPack: the index read at the start had a pack (a key it lacks,
	// read by its task directly, stays out of it until a record is
	// written or the keys change: each costs a GET, as without a pack)
	kept      map[string][]byte
	keptBytes int
	wrote     map[string]bool
	hadPack   bool
}

// aheadGiveUp is how many lookups in a row the index must have missed,
// none listed, before a run stops reading ahead.
const aheadGiveUp = 8

type aheadState uint8

const (
	aheadPending  aheadState = iota // not fetched yet
	aheadPacked                     // b is the record in the pack, not yet checked against the listing
	aheadFetching                   // a GET is in flight: done closes when it ends
	aheadReady                      // b and info hold the object
	aheadGone                       // taken, failed or skipped: the task reads the key itself
)

type aheadEntry struct {
	state aheadState
	done  chan struct{}
	b     []byte
	info  storage.Info
}

// startReadAhead begins flow run fr's reading ahead on the flow's store
// when that store is a ReadAheader: it reads the flow's steps index and,
// when it was written by the same code version with the same parameters,
// checks the records it packs against a listing and fetches the others.
// nil when the store does not read ahead.
func startReadAhead(ctx context.Context, e *Engine, fr *flowRun, st storage.Storage, def *Def) *readAhead {
	ra, ok := st.(storage.ReadAheader)
	if !ok || fr.inputErr != nil {
		return nil
	}
	n := ra.ReadAhead()
	if n <= 0 {
		return nil
	}
	a := &readAhead{st: st, name: st.String(), seen: map[string]bool{},
		index: stepsIndex{Format: stepsFormat, Flow: def.Func, Code: def.Source, Params: fr.inputHash}}
	if cm, ok := st.(storage.ContentMatcher); ok {
		a.match = cm.ContentMatch()
	}
	if a.match != nil {
		a.kept, a.wrote = map[string][]byte{}, map[string]bool{}
	}
	idx, packed, err := readStepsIndex(ctx, st, def.Func)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			e.logger.Debug("reading ahead: cannot read the flow's steps index", "flow", fr.flowName, "storage", a.name, "error", err)
		}
		return a
	}
	if idx.Flow != def.Func || idx.Code != def.Source || idx.Params != fr.inputHash || len(idx.Keys) == 0 {
		return a
	}
	a.had = idx.Keys
	keys := make([]string, 0, len(idx.Keys))
	var inPack []string
	a.entries = make(map[string]*aheadEntry, len(idx.Keys))
	for i, k := range idx.Keys {
		if _, dup := a.entries[k]; dup || storage.CheckKey(st, k) != nil {
			continue
		}
		en := &aheadEntry{done: make(chan struct{})}
		a.entries[k] = en
		keys = append(keys, k)
		if a.match != nil && packed != nil && packed[i] != nil {
			en.state, en.b = aheadPacked, packed[i]
			inPack = append(inPack, k)
		}
	}
	a.hadPack = packed != nil
	if len(inPack) > 0 {
		a.checked = make(chan struct{})
	}
	ctx, a.cancel = context.WithCancel(ctx)
	a.wg.Go(func() {
		if a.checked != nil {
			a.check(ctx, inPack)
		}
		var next atomic.Int64
		for range min(n, len(keys)) {
			a.wg.Go(func() {
				for ctx.Err() == nil {
					i := int(next.Add(1)) - 1
					if i >= len(keys) {
						return
					}
					a.fetch(ctx, keys[i])
				}
			})
		}
	})
	return a
}

// check lists the folder the packed keys share, once, and makes each
// packed record whose key's object holds exactly its bytes ready to take;
// the others are left to fetch. It closes a.checked.
func (a *readAhead) check(ctx context.Context, keys []string) {
	whole := false // the listing went through the folder
	defer func() {
		// keys the listing did not show: absent when it went through the
		// whole folder (the task's lookup finds so itself), else fetched
		left := aheadPending
		if whole {
			left = aheadGone
		}
		a.mu.Lock()
		for _, k := range keys {
			if en := a.entries[k]; en != nil && en.state == aheadPacked {
				en.state, en.b = left, nil
				if left == aheadGone {
					close(en.done)
				}
			}
		}
		a.mu.Unlock()
		close(a.checked)
	}()
	dir := keys[0]
	for _, k := range keys[1:] {
		n := 0
		for n < len(dir) && n < len(k) && dir[n] == k[n] {
			n++
		}
		dir = dir[:n]
	}
	dir = dir[:strings.LastIndexByte(dir, '/')+1]
	budget := listMax(len(keys))
	for info, err := range a.st.List(ctx, dir) {
		if err != nil || budget == 0 {
			return
		}
		budget--
		a.mu.Lock()
		en := a.entries[info.Key]
		if en == nil || en.state != aheadPacked {
			a.mu.Unlock()
			continue
		}
		a.mu.Unlock()
		// only check moves an entry out of aheadPacked (take waits for
		// a.checked): en.b stays as it is while it is hashed
		same := a.match(info, en.b)
		a.mu.Lock()
		if same {
			en.state, en.info = aheadReady, info
			a.bytes += int64(len(en.b))
		} else {
			en.state, en.b = aheadPending, nil
		}
		a.mu.Unlock()
	}
	whole = ctx.Err() == nil
}

// fetch reads key's object into its entry, unless a task took the entry
// first or too much waits to be taken.
func (a *readAhead) fetch(ctx context.Context, key string) {
	a.mu.Lock()
	en := a.entries[key]
	if en.state != aheadPending {
		a.mu.Unlock()
		return
	}
	if a.bytes >= aheadMaxBytes {
		en.state = aheadGone
		close(en.done)
		a.mu.Unlock()
		return
	}
	en.state = aheadFetching
	a.mu.Unlock()
	b, info, ok := getSmall(ctx, a.st, key)
	a.mu.Lock()
	if ok {
		en.state, en.b, en.info = aheadReady, b, info
		a.bytes += int64(len(b))
	} else {
		en.state = aheadGone
	}
	close(en.done)
	a.mu.Unlock()
}

// getSmall reads the whole object at key when it is at most
// aheadMaxObject bytes; ok is false on any failure.
func getSmall(ctx context.Context, st storage.Storage, key string) ([]byte, storage.Info, bool) {
	if wg, ok := st.(storage.WholeGetter); ok {
		return wg.GetWhole(ctx, key, aheadMaxObject)
	}
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, storage.Info{}, false
	}
	defer rc.Close()
	var info storage.Info
	if oi, ok := rc.(storage.OpenInfo); ok {
		info = oi.ObjectInfo()
	}
	if info.Size > aheadMaxObject {
		return nil, info, false
	}
	b, err := io.ReadAll(io.LimitReader(rc, aheadMaxObject+1))
	if err != nil || len(b) > aheadMaxObject || info.Size >= 0 && int64(len(b)) != info.Size {
		return nil, info, false
	}
	return b, info, true
}

// take hands out key's object once, waiting for its GET when one is in
// flight; ok is false when there is none to take (the task then reads the
// key itself, and no later fetch of it is made).
func (a *readAhead) take(ctx context.Context, key string) (b []byte, info storage.Info, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	en := a.entries[key]
	if en == nil {
		if a.unlisted++; a.unlisted == aheadGiveUp && a.listed == 0 && a.cancel != nil {
			a.cancel() // the fetches stop; what they fetched is never taken
		}
		return nil, info, false
	}
	a.listed++
	if en.state == aheadPacked {
		a.mu.Unlock()
		select {
		case <-a.checked:
		case <-ctx.Done():
		}
		a.mu.Lock()
	}
	if en.state == aheadFetching {
		a.mu.Unlock()
		select {
		case <-en.done:
		case <-ctx.Done():
		}
		a.mu.Lock()
	}
	switch en.state {
	case aheadPending:
		en.state = aheadGone
		close(en.done)
	case aheadReady:
		b, info, ok = en.b, en.info, true
		en.b, en.state = nil, aheadGone
		a.bytes -= int64(len(b))
	}
	return b, info, ok
}

// covers reports whether the records of store st are read ahead here.
func (a *readAhead) covers(st storage.Storage) bool {
	if _, ok := st.(storage.ReadAheader); !ok {
		return false
	}
	return st.String() == a.name
}

// note records that a task of the run read or wrote key: the next index
// lists it.
func (a *readAhead) note(key string) {
	a.mu.Lock()
	if !a.seen[key] && len(a.steps) < maxIndexSteps {
		a.seen[key] = true
		a.steps = append(a.steps, key)
	}
	a.mu.Unlock()
}

// packing reports whether the run keeps its records for the next pack.
func (a *readAhead) packing() bool { return a != nil && a.match != nil }

// keep holds b, key's record as this run read it or (wrote) wrote it, for
// the next pack: b is never handed out nor changed. Past packMaxBytes in
// all, records are not kept (their keys are read by GET next time), nor
// once the run finished.
func (a *readAhead) keep(key string, b []byte, wrote bool) {
	if !a.packing() || len(b) == 0 || len(b) > aheadMaxObject {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kept == nil {
		return
	}
	if wrote {
		a.wrote[key] = true
	}
	if old, ok := a.kept[key]; ok {
		a.keptBytes -= len(old)
	}
	if a.keptBytes+len(b) > packMaxBytes {
		delete(a.kept, key)
		return
	}
	a.kept[key] = b
	a.keptBytes += len(b)
}

// finish stops the reading ahead and, when the run succeeded, writes the
// new index if it would differ from the one found: the run's tasks used
// other keys than it lists (in any order), or the index found had no pack
// and the run holds records for one, or the run wrote a new record at one
// of its keys. One unconditional Put without fsync
// (a lost or stale index only leaves a later run reading by GET). A
// failure is logged at DEBUG, as the run's own result does not depend on
// it.
func (a *readAhead) finish(ctx context.Context, e *Engine, flow string, ok bool) {
	if a == nil {
		return
	}
	if a.cancel != nil {
		a.cancel()
		a.wg.Wait()
	}
	a.mu.Lock()
	a.entries, a.bytes = nil, 0
	steps, same := a.steps, len(a.steps) == len(a.had)
	for _, k := range a.had {
		same = same && a.seen[k]
	}
	if len(a.kept) > 0 && !a.hadPack {
		same = false // the index found holds no pack: one is written
	}
	for _, k := range steps {
		if a.wrote[k] && a.kept[k] != nil {
			same = false // a new record at a key: the pack takes it
		}
	}
	kept := a.kept
	a.kept = nil
	a.mu.Unlock()
	if !ok || len(steps) == 0 || same {
		return // the index lists these keys already (tasks submitted at once may come in another order)
	}
	idx := a.index
	idx.Keys = steps
	var pack [][]byte
	if kept != nil {
		idx.Sizes = make([]int, len(steps))
		for i, k := range steps {
			idx.Sizes[i] = -1
			if b := kept[k]; b != nil {
				idx.Sizes[i] = len(b)
				pack = append(pack, b)
			}
		}
	}
	js, err := json.Marshal(idx)
	if err == nil {
		body := io.Reader(bytes.NewReader(js))
		size := int64(len(js))
		if idx.Sizes != nil {
			parts := []io.Reader{body, strings.NewReader("\n")}
			size++
			for _, b := range pack {
				parts = append(parts, bytes.NewReader(b))
				size += int64(len(b))
			}
			body = io.MultiReader(parts...)
		}
		err = a.st.Put(ctx, stepsIndexKey(idx.Flow), body, storage.PutOptions{Size: size, NoSync: true})
	}
	if err != nil {
		e.logger.Debug("reading ahead: cannot write the flow's steps index", "flow", flow, "storage", a.name, "error", err)
	}
}

// runFree reports whether a task's key is computed the same in another
// run of its flow (so a steps index may list it): not made from the run
// id or a flow_run field.
func runFree(inv *keyIn, p *plan) bool {
	switch {
	case inv.storageKey != nil:
		return !inv.def.KeyUsesFlowRun
	case inv.cacheKey != nil:
		return true
	case p.policy != nil:
		return !p.policy.none && !slices.Contains(p.policy.parts, rules.PolicyRunID)
	}
	return false
}

// wholeObject is a store whose object at one key is the bytes read ahead:
// GetWhole hands them out (record.ReadCheckedInfo then reads them in
// place, as the caller's own); everything else is the store's.
type wholeObject struct {
	storage.Storage
	key  string
	b    []byte
	info storage.Info
}

func (w *wholeObject) GetWhole(_ context.Context, key string, max int64) ([]byte, storage.Info, bool) {
	if key != w.key || int64(len(w.b)) > max {
		return nil, storage.Info{}, false
	}
	return w.b, w.info, true
}

// loadAhead serves s's lookup from the record read ahead at its key, when
// there is one and it is a hit by load's checks: ok true with *dst
// replaced (dst is a *R). Otherwise *dst is untouched and the caller reads
// the key.
func (s *slot) loadAhead(ctx context.Context, dst any) (record.Meta, storage.Info, bool) {
	b, info, ok := s.ahead.take(ctx, s.key)
	if !ok {
		return record.Meta{}, info, false
	}
	if s.ahead.packing() {
		// the record is decoded in place, so from a copy: b stays as read,
		// for the next pack (kept when it is a hit)
		m, info, hit := s.loadAheadBytes(ctx, dst, bytes.Clone(b), info)
		if hit {
			s.ahead.keep(s.key, b, false)
		}
		return m, info, hit
	}
	return s.loadAheadBytes(ctx, dst, b, info)
}

// loadAheadBytes is loadAhead's read of b, the record read ahead at s's
// key, into a new value that replaces *dst on a hit.
func (s *slot) loadAheadBytes(ctx context.Context, dst any, b []byte, info storage.Info) (record.Meta, storage.Info, bool) {
	d := reflect.ValueOf(dst).Elem()
	v := reflect.New(d.Type())
	var refused error
	m, info, err := record.ReadCheckedInfo(ctx, &wholeObject{Storage: s.p.store, key: s.key, b: b, info: info}, s.key, s.p.ser, v.Interface(), s.accept(&refused), nil)
	if err != nil {
		return m, info, false
	}
	d.Set(v.Elem())
	return m, info, true
}
