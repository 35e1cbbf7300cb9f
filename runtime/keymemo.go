package runtime

import (
	"hash"
	"slices"
	"sync"

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
type keyMemo struct {
	mu sync.RWMutex
	m  map[string]string // inputs' encoding: the key's hex, then the inputs'
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
	km.mu.RLock()
	both, ok := km.m[string(in)]
	km.mu.RUnlock()
	return both, ok
}

// put remembers both (the key's hex, then the inputs') for in.
func (km *keyMemo) put(in []byte, both string) {
	km.mu.Lock()
	if km.m == nil || len(km.m) >= keyMemoEntries {
		km.m = make(map[string]string)
	}
	km.m[string(in)] = both
	km.mu.Unlock()
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
