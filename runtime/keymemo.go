package runtime

import (
	"hash"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/resultgen/resultgen/internal/rules"
)

// The key memo: a task's cache keys of recent inputs, so that a lookup
// with inputs seen before computes no SHA-256. Serves P3's hit rows
// (`make bench`): two SHA-256 (the inputs', then the key's) and the
// preimage around them were about 45% of a memory hit's time; with the
// memo, benchtable's HitMemoryTask.State went from 1.24-1.50 to
// 0.86-1.03 µs (alternating runs) and from 4 to 3 allocations, the P3
// memory row from 2.60x to 1.83x and the local one from 1.10x to 1.04x.
//
// A plan whose key is made of its inputs and code version alone (a cache
// policy of inputs and task_source parts, not keyed: see keyed.go) keeps
// one. The memo maps the exact bytes the inputs encode to (the preimage
// of their digest, at most keyMemoInput bytes) to the key and the inputs'
// digest, which are functions of those bytes and of the plan: a hit in
// the memo gives byte for byte what hashing gives. It remembers the
// inputs of lookups that hit (a first run's misses add nothing); inputs
// that encode to more are hashed every time. It holds at most
// keyMemoEntries entries and starts again empty when full.
const (
	keyMemoInput   = 256
	keyMemoEntries = 1024
)

// keyMemo is a plan's key memo (see above). Safe for concurrent use.
//
// A lookup reads a map that is never changed once published, without a
// lock (a read lock's two atomic read-modify-writes were some 5% of P3's
// memory hit). put adds to a pending map under a lock and publishes a new
// map, the published one and the pending entries, when the pending ones
// are a quarter of it, or when an input pending is put again (it hit
// twice: it is looked up often). A full memo starts again empty.
type keyMemo struct {
	read    atomic.Pointer[map[string]string] // inputs' encoding: the key's hex, then the inputs'
	mu      sync.Mutex
	pending map[string]string // put since read was published
}

// memoizes reports whether a plan with policy kp, keyed or not, keeps a
// key memo: the key must depend on nothing but the inputs and the code.
func memoizes(kp *keyPolicy, keyed bool) bool {
	if kp == nil || kp.none || keyed || !slices.Contains(kp.parts, rules.PolicyInputs) {
		return false
	}
	for _, part := range kp.parts {
		if part != rules.PolicyInputs && part != rules.PolicyTaskSource {
			return false
		}
	}
	return true
}

// get returns the key and inputs' hex the memo holds for the inputs'
// encoding in.
func (km *keyMemo) get(in []byte) (string, bool) {
	m := km.read.Load()
	if m == nil {
		return "", false
	}
	both, ok := (*m)[string(in)]
	return both, ok
}

// put remembers both (the key's hex, then the inputs') for in.
func (km *keyMemo) put(in []byte, both string) {
	km.mu.Lock()
	defer km.mu.Unlock()
	var read map[string]string
	if m := km.read.Load(); m != nil {
		read = *m
	}
	if _, ok := read[string(in)]; ok {
		return
	}
	_, again := km.pending[string(in)]
	if km.pending == nil {
		km.pending = make(map[string]string)
	}
	km.pending[string(in)] = both
	if !again && len(km.pending) < max(1, len(read)/4) {
		return
	}
	next := make(map[string]string, len(read)+len(km.pending))
	if len(read)+len(km.pending) <= keyMemoEntries {
		maps.Copy(next, read)
	}
	maps.Copy(next, km.pending)
	km.read.Store(&next)
	km.pending = nil
}

// bufHash is the SHA-256 of a keyHasher's inputs that also keeps the
// first keyMemoInput bytes written, for the key memo: while they fit,
// nothing is hashed until Sum, so a memo hit hashes nothing. Its buffer is
// an array in place, and a reset stores no pointer (see Hasher.setW).
type bufHash struct {
	d    hash.Hash // SHA-256
	buf  [keyMemoInput]byte
	n    int  // bytes of buf written
	over bool // more than buf holds was written: buf is not the input
	sent bool // buf[:n] went into d
}

func newBufHash(d hash.Hash) *bufHash { return &bufHash{d: d} }

// input returns everything written since Reset, when buf holds it whole.
func (b *bufHash) input() ([]byte, bool) { return b.buf[:b.n], !b.over }

func (b *bufHash) send() {
	if !b.sent {
		b.d.Write(b.buf[:b.n])
		b.sent = true
	}
}

func (b *bufHash) Write(p []byte) (int, error) {
	if !b.over && !b.sent && b.n+len(p) <= len(b.buf) {
		b.n += copy(b.buf[b.n:], p)
		return len(p), nil
	}
	b.send()
	b.over = true
	return b.d.Write(p)
}

func (b *bufHash) Sum(in []byte) []byte {
	b.send()
	return b.d.Sum(in)
}

func (b *bufHash) Reset() {
	if b.sent {
		b.d.Reset()
	}
	b.n, b.over, b.sent = 0, false, false
}

func (b *bufHash) Size() int      { return b.d.Size() }
func (b *bufHash) BlockSize() int { return b.d.BlockSize() }
