package record

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"

	"github.com/resultgen/resultgen/internal/keyring"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Encryption at rest (format version 4, VersionSealed).
//
// A sealed record is a binary-framed record whose payload is the
// serializer's output sealed with a data key of its own: a fresh 256-bit
// key from crypto/rand per record, never stored in the clear. The payload
// is cut into chunks of SealChunk bytes (the last one shorter, possibly
// empty), each sealed with AES-256-GCM under the data key:
//
//	nonce = nonce_prefix (8 random bytes, in the header) | chunk index (uint32, big-endian)
//	AAD   = binding (32 bytes, below) | last (1 byte: 1 for the last chunk, else 0)
//	chunk = ciphertext | 16-byte tag
//
// so a writer streams the value through one chunk buffer (memory stays
// flat however large the payload) and a reader finds a chunk dropped,
// repeated, reordered, or the payload cut at a chunk boundary (the last
// chunk it sees is not marked last). The data key is wrapped with
// AES-256-GCM under a key-encryption key of a Keyring, named in the header
// by its id:
//
//	wrapped_key = nonce (12 random bytes) | sealed data key (32 bytes) | tag (16 bytes)
//	AAD         = "resultgen wrap v1" | key id | 0 | binding
//
// The binding is the SHA-256 of the header fields a record must not be
// moved away from: the storage key it is read at (not the header's copy of
// it), the result type's fingerprint and Go type, the task, the writing
// function, the code version, the serializer, the cipher and the nonce
// prefix. A record copied to another key, or whose header is edited to
// another type, task or code version (its CRC fixed), fails to open
// (ErrDecrypt); so does a payload changed in any byte, even with its digest
// recomputed. The key id is bound to the wrapped key only, so Rekey
// re-wraps a data key under another key without touching the payload.
//
// The header (with the wrapped key) and the trailer stay in the clear: the
// trailer's digest covers the sealed payload, so damage checks, ReadMeta,
// `results verify`, show and ls work without any key. What a sealed
// record does not hide: its header (task, type, key, times, labels,
// manifest; see runtime for keyed manifest hashes) and its payload's size
// (plaintext = sealed - 16 per chunk).
// Keyring is the keyring sealed records are wrapped under (internal/keyring).
type Keyring = keyring.Keyring

// ParseKeyring parses a keyring's spelling (keyring.Parse).
func ParseKeyring(spec string) (*Keyring, error) { return keyring.Parse(spec) }

const (
	// VersionSealed is the format version of sealed records; records
	// without encryption keep Version.
	VersionSealed = 4
	// CipherChunked is the payload cipher sealed records name.
	CipherChunked = "aes-256-gcm-64k"
	// CipherWrap is the cipher that wraps data keys.
	CipherWrap = "aes-256-gcm"
	// SealChunk is the plaintext size of a sealed payload's chunks.
	SealChunk = 64 << 10
	sealTag   = 16
	keySize   = 32
)

// Errors of opening sealed records. Neither matches ErrCorrupt: a record
// that cannot be opened is never treated as damage, so the runtime never
// replaces it (a run fails instead, naming the key id).
var (
	// ErrKeyMissing: the record is sealed under a key id the keyring does
	// not hold (or there is no keyring).
	ErrKeyMissing = errors.New("record: encryption key not in the keyring")
	// ErrDecrypt: the key is there but the record does not open with it:
	// a wrong key under that id, a record moved to another storage key or
	// retyped, or a sealed payload changed.
	ErrDecrypt = errors.New("record: cannot decrypt")
)

// Encryption is how a sealed record's payload is sealed (the header's
// "enc" object). Nothing in it is secret.
type Encryption struct {
	Cipher      string `json:"cipher"` // CipherChunked
	KeyID       string `json:"key_id"` // the key-encryption key's id in the keyring
	Wrap        string `json:"wrap"`   // CipherWrap
	WrappedKey  []byte `json:"wrapped_key,omitempty"`
	NoncePrefix []byte `json:"nonce_prefix,omitempty"`
}

// KeyError is the error of a sealed record that does not open: it names
// the record's key and the key id, and matches ErrKeyMissing or ErrDecrypt.
type KeyError struct {
	Key   string // storage key
	KeyID string
	Kind  error // ErrKeyMissing or ErrDecrypt
	// Detail says why in words (never key material).
	Detail string
}

func (e *KeyError) Error() string {
	if e.Kind == ErrKeyMissing {
		return fmt.Sprintf("record %q is encrypted with key %q, which the keyring does not hold (%s): add it to RESULTGEN_KEYRING or RESULTGEN_KEYRING_FILE; the record is left as it is", storage.ShortKey(e.Key), e.KeyID, e.Detail)
	}
	return fmt.Sprintf("record %q does not decrypt with key %q (%s): a wrong key under that id, a record moved from another key or edited; the record is left as it is", storage.ShortKey(e.Key), e.KeyID, e.Detail)
}

func (e *KeyError) Unwrap() error { return e.Kind }

type keyringKey struct{ seal bool }

// WithKeyring returns ctx carrying kr for opening sealed records: every
// reader of this package taking a context decrypts with it.
func WithKeyring(ctx context.Context, kr *Keyring) context.Context {
	return context.WithValue(ctx, keyringKey{}, kr)
}

// WithSealing returns ctx carrying kr for sealing: Write then seals the
// payload under kr's current key (a sealed record, VersionSealed), and
// readers open with kr too.
func WithSealing(ctx context.Context, kr *Keyring) context.Context {
	return context.WithValue(WithKeyring(ctx, kr), keyringKey{seal: true}, kr)
}

func keyringOf(ctx context.Context, seal bool) *Keyring {
	if ctx == nil {
		return nil
	}
	kr, _ := ctx.Value(keyringKey{seal: seal}).(*Keyring)
	return kr
}

// binding returns the digest of the fields a sealed record is bound to,
// with key the storage key it is read at or written to.
func binding(key string, m *Meta) []byte {
	h := sha256.New()
	var n [4]byte
	put := func(s string) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	spec := ""
	if m.Serializer != nil {
		spec = m.Serializer.String()
	}
	put("resultgen record binding v1")
	put(key)
	put(m.TypeHash)
	put(m.GoType)
	put(m.Task)
	put(m.Func)
	put(m.CodeVersion())
	put(spec)
	put(m.Encryption.Cipher)
	put(string(m.Encryption.NoncePrefix))
	return h.Sum(nil)
}

func wrapAAD(id string, bind []byte) []byte {
	a := append([]byte("resultgen wrap v1"), id...)
	a = append(a, 0)
	return append(a, bind...)
}

// unwrap opens the data key of a sealed record read at key.
func unwrap(k *Keyring, key string, m *Meta, bind []byte) ([]byte, error) {
	e := m.Encryption
	if k == nil {
		return nil, &KeyError{Key: key, KeyID: e.KeyID, Kind: ErrKeyMissing, Detail: "no keyring is configured"}
	}
	if !k.Has(e.KeyID) {
		return nil, &KeyError{Key: key, KeyID: e.KeyID, Kind: ErrKeyMissing, Detail: "it holds " + strings.Join(k.IDs(), ", ")}
	}
	if e.Cipher != CipherChunked || e.Wrap != CipherWrap {
		return nil, &KeyError{Key: key, KeyID: e.KeyID, Kind: ErrDecrypt, Detail: fmt.Sprintf("unknown cipher %q wrapped by %q", e.Cipher, e.Wrap)}
	}
	dk, err := k.Unwrap(e.KeyID, e.WrappedKey, wrapAAD(e.KeyID, bind))
	if err != nil || len(dk) != keySize {
		return nil, &KeyError{Key: key, KeyID: e.KeyID, Kind: ErrDecrypt, Detail: "the data key does not unwrap"}
	}
	return dk, nil
}

// newSealer fills m.Encryption (a fresh data key wrapped under kr's
// current key) and returns the writer that seals the payload (into its w,
// which the caller sets).
func newSealer(kr *Keyring, key string, m *Meta) (*sealWriter, error) {
	dk := make([]byte, keySize)
	prefix := make([]byte, 8)
	if _, err := rand.Read(dk); err != nil {
		return nil, err
	}
	if _, err := rand.Read(prefix); err != nil {
		return nil, err
	}
	m.Encryption = &Encryption{Cipher: CipherChunked, KeyID: kr.Current(), Wrap: CipherWrap, NoncePrefix: prefix}
	m.Version = VersionSealed
	bind := binding(key, m)
	wk, err := kr.Wrap(kr.Current(), dk, wrapAAD(kr.Current(), bind))
	if err != nil {
		return nil, err
	}
	m.Encryption.WrappedKey = wk
	a, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	return &sealWriter{aead: a, aad: append(bind, 0), prefix: prefix}, nil
}

// aheadWriter is where a sealWriter hands its sealed bytes (Write's spill):
// writeAhead may keep p (kept) until settle says it is taken, so that the
// next batch is sealed while the store writes this one.
type aheadWriter interface {
	io.Writer
	writeAhead(p []byte) (kept bool, err error)
	settle(n int) error
}

// sealWriter seals what is written to it chunk by chunk into batches,
// which it hands to w ahead: the store writes batch k (in Put's goroutine)
// while this one seals batch k+1, up to sealAhead batches in buffers of
// their own, reused once w is done with them; close seals the last chunk
// and hands the rest on, waiting for all of it. A batch is exactly
// chunkSize sealed bytes (the payload digest's chunk, which the store's
// side then hashes in place, never gathering a chunk split across
// batches); the sealed bytes past it start the next batch.
//
// Chunks are sealed in place where they can be: a chunk written in pieces
// gathers its plaintext in the batch itself, where it is sealed (GCM's
// output exactly overlapping its input), and a whole chunk of the caller's
// is sealed from the caller's slice into the batch. A payload of one
// chunk costs one buffer of its size plus the tag.
//
// Serves P4's encrypted write (256 MiB): sealing in the writing goroutine
// and handing each batch on with Write (waiting for the store) made the
// write 0.68x of the unencrypted one's throughput; see the benchtable row.
type sealWriter struct {
	w      aheadWriter
	aead   cipher.AEAD
	aad    []byte // binding | last flag
	prefix []byte
	out    []byte   // the batch being filled: sealed chunks, then (from fill) the plaintext of the chunk being filled
	fill   int      // where in out the chunk being filled starts
	held   [][]byte // batches w keeps (handed ahead, not settled), oldest first
	spare  [][]byte // batch buffers w is done with
	n      uint32   // chunks sealed
	err    error
}

const (
	// sealAhead is how many batch buffers a large payload's sealWriter
	// uses: the one being sealed and up to sealAhead-1 the store has yet
	// to write (at most aheadMax).
	sealAhead = 3
	// batchCap is a batch buffer's capacity: a batch is handed on once
	// it holds chunkSize bytes, so it never holds more than chunkSize-1
	// plus a sealed chunk.
	batchCap = chunkSize + SealChunk + sealTag
)

func (s *sealWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	written := 0
	for len(p) > 0 {
		filled := len(s.out) - s.fill
		if filled == SealChunk {
			// a full chunk is sealed when more follows, so the last one is
			// known at close
			if err := s.seal(nil, false); err != nil {
				return written, err
			}
			continue
		}
		if filled == 0 && len(p) > SealChunk {
			// a whole chunk with more after it: sealed from p, no copy
			if err := s.seal(p[:SealChunk], false); err != nil {
				return written, err
			}
			p = p[SealChunk:]
			written += SealChunk
			continue
		}
		// the batch grows to its full size only for a payload that needs
		// it: a small one costs its own size and the tag, not a batch
		c := min(len(p), SealChunk-filled)
		s.out = append(slices.Grow(s.out, c+sealTag), p[:c]...)
		p = p[c:]
		written += c
	}
	return written, nil
}

// seal seals one chunk onto the batch: src, or with src nil the plaintext
// gathered at out[fill:], in place. A batch that reaches chunkSize is handed
// on.
func (s *sealWriter) seal(src []byte, last bool) error {
	if s.n == 1<<32-1 {
		s.err = errors.New("payload too large to seal (2^32 chunks)")
		return s.err
	}
	if !last && cap(s.out) < batchCap {
		// more than one chunk: room for a whole batch, once
		s.out = slices.Grow(s.out, batchCap-len(s.out))
	}
	var nonce [12]byte
	copy(nonce[:], s.prefix)
	binary.BigEndian.PutUint32(nonce[8:], s.n)
	s.aad[len(s.aad)-1] = 0
	if last {
		s.aad[len(s.aad)-1] = 1
	}
	if src == nil {
		s.out = slices.Grow(s.out, sealTag)
		plain := s.out[s.fill:]
		sealed := s.aead.Seal(plain[:0], nonce[:], plain, s.aad)
		s.out = s.out[:s.fill+len(sealed)]
	} else {
		s.out = s.aead.Seal(s.out, nonce[:], src, s.aad)
	}
	s.fill = len(s.out)
	s.n++
	if last || len(s.out) < chunkSize {
		return nil
	}
	return s.handOn()
}

// handOn hands the batch's first chunkSize bytes to w ahead and starts the
// next batch with the rest, in a buffer w is done with (waiting for the
// oldest when sealAhead are out).
func (s *sealWriter) handOn() error {
	kept, err := s.w.writeAhead(s.out[:chunkSize])
	if err != nil {
		s.err = err
		return err
	}
	next := s.out[:0] // w copied the batch: the buffer is free again
	if kept {
		s.held = append(s.held, s.out[:0])
		if len(s.held) == sealAhead {
			if err := s.w.settle(sealAhead - 1); err != nil {
				s.err = err
				return err
			}
			s.spare = append(s.spare, s.held[0])
			s.held = slices.Delete(s.held, 0, 1)
		}
		if k := len(s.spare); k > 0 {
			next, s.spare = s.spare[k-1], s.spare[:k-1]
		} else {
			next = make([]byte, 0, batchCap)
		}
	}
	s.out = append(next, s.out[chunkSize:]...) // memmove when next is s.out's own buffer
	s.fill = len(s.out)
	return nil
}

// close seals the last chunk (possibly empty) and hands the rest on,
// returning once w is done with every batch.
func (s *sealWriter) close() error {
	if s.err != nil {
		return s.err
	}
	if err := s.seal(nil, true); err != nil {
		return err
	}
	if _, err := s.w.Write(s.out); err != nil { // Write settles every batch held first
		s.err = err
		return err
	}
	if err := s.w.settle(0); err != nil { // an empty last batch: Write did not settle
		s.err = err
		return err
	}
	s.held = nil
	return nil
}

// sealedSize returns the plaintext size of a sealed payload of n bytes,
// or -1 when no sealing gives n bytes.
func sealedSize(n int64) int64 {
	full := n / (SealChunk + sealTag)
	rest := n % (SealChunk + sealTag)
	if rest < sealTag { // the last chunk is at least a tag
		if rest != 0 || full == 0 {
			return -1
		}
		// n is whole full chunks: the last of them is the last chunk
		return full * SealChunk
	}
	return full*SealChunk + rest - sealTag
}

// open returns the plaintext of a sealed payload read at key, with kr: a
// buffer of its own, or with own (sealed is the caller's to overwrite) and
// a large payload, sealed itself, opened in place (no second buffer of the
// payload's size to allocate and fault in; P4's read) and its chunks moved
// together. On an error, an owned sealed holds garbage.
func open(kr *Keyring, key string, m *Meta, sealed []byte, own bool) ([]byte, error) {
	o, err := newOpener(kr, key, m)
	if err != nil {
		return nil, err
	}
	if !own || len(sealed) < openParallelMin {
		size := sealedSize(int64(len(sealed)))
		if size < 0 {
			return nil, o.fail("the sealed payload has an impossible length")
		}
		plain := make([]byte, size)
		if bad := o.openAll(sealed, plain, 0); bad >= 0 {
			return nil, o.fail(fmt.Sprintf("chunk %d does not authenticate", bad))
		}
		return plain, nil
	}
	return o.finish(sealed)
}

// opener opens the chunks of one sealed payload (read at key) with its
// data key. In place, it opens each chunk where it lies and moves its
// plaintext down over the tags before it, chunk after chunk: chunks
// [0, opened) are done so. GCM is safe for concurrent use, so chunks open
// on several goroutines; ahead and finish are not safe for concurrent use.
type opener struct {
	aead   cipher.AEAD
	bind   []byte
	prefix []byte
	key    string
	keyID  string
	opened int // chunks opened in place and moved to their plaintext's place
	bad    int // the first chunk ahead found not to authenticate, or -1
}

func newOpener(kr *Keyring, key string, m *Meta) (*opener, error) {
	bind := binding(key, m)
	dk, err := unwrap(kr, key, m, bind)
	if err != nil {
		return nil, err
	}
	a, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	o := &opener{aead: a, bind: bind, prefix: m.Encryption.NoncePrefix, key: key, keyID: m.Encryption.KeyID, bad: -1}
	if len(o.prefix) != 8 {
		return nil, o.fail("the nonce prefix is not 8 bytes")
	}
	return o, nil
}

// fail is the error of a payload that does not open, saying why.
func (o *opener) fail(why string) error {
	return &KeyError{Key: o.key, KeyID: o.keyID, Kind: ErrDecrypt, Detail: why}
}

// chunks is how many chunks a sealed payload of n bytes has.
func chunks(n int) int {
	return max(1, (n+SealChunk+sealTag-1)/(SealChunk+sealTag)) // an empty payload is one chunk of a tag
}

// openRange opens chunks [from, to) of sealed, whose last chunk is last,
// into their places in plain, or in place where they lie when plain is
// nil; it returns the first chunk that fails, or -1.
func (o *opener) openRange(sealed, plain []byte, from, to, last int) int {
	aad := append(slices.Clip(o.bind), 0)
	var nonce [12]byte
	copy(nonce[:], o.prefix)
	for i := from; i < to; i++ {
		c := sealed[i*(SealChunk+sealTag) : min(len(sealed), (i+1)*(SealChunk+sealTag))]
		binary.BigEndian.PutUint32(nonce[8:], uint32(i))
		aad[len(aad)-1] = 0
		if i == last {
			aad[len(aad)-1] = 1
		}
		dst := c[:0] // in place: GCM allows dst to alias the ciphertext exactly
		if plain != nil {
			off := i * SealChunk
			dst = plain[off : off : off+len(c)-sealTag]
		}
		if _, err := o.aead.Open(dst, nonce[:], c, aad); err != nil {
			return i
		}
	}
	return -1
}

// openAll opens chunks from the chunk from on of the whole sealed payload
// (into plain, or in place when plain is nil), a large payload on every
// core: the chunks are independent, and the read of P4's 256 MiB
// otherwise waits on one core's decryption. It returns the first chunk
// that fails, or -1.
func (o *opener) openAll(sealed, plain []byte, from int) int {
	n := chunks(len(sealed))
	workers := 1
	if (n-from)*(SealChunk+sealTag) >= openParallelMin {
		workers = min(goruntime.GOMAXPROCS(0), n-from)
	}
	bad := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := from+(n-from)*w/workers, from+(n-from)*(w+1)/workers
		if w == workers-1 {
			bad[w] = o.openRange(sealed, plain, lo, hi, n-1)
			continue
		}
		wg.Go(func() { bad[w] = o.openRange(sealed, plain, lo, hi, n-1) })
	}
	wg.Wait()
	for _, i := range bad {
		if i >= 0 {
			return i
		}
	}
	return -1
}

// moveDown moves the plaintext of chunks [from, to), opened in place,
// down to chunk i's place in the plaintext (i*SealChunk), in order (copy
// handles the overlap); the chunks before from must be moved already.
func moveDown(sealed []byte, from, to int) {
	for i := max(from, 1); i < to; i++ {
		at := i * (SealChunk + sealTag)
		n := min(len(sealed), at+SealChunk+sealTag) - at - sealTag
		copy(sealed[i*SealChunk:], sealed[at:at+n])
	}
}

// ahead opens in place, and moves down, the chunks of b (the start of
// a sealed payload, being read; already hashed) that more of the payload
// follows (so none is the last), from the first not yet opened. It serves
// P4's encrypted read: the reading goroutine's hasher opens each piece
// behind the reads, rather than the whole payload after them.
func (o *opener) ahead(b []byte) {
	const stride = SealChunk + sealTag
	for o.bad < 0 && (o.opened+1)*stride < len(b) {
		i := o.opened
		if o.openRange(b, nil, i, i+1, -1) >= 0 {
			o.bad = i
			return
		}
		moveDown(b, i, i+1)
		o.opened++
	}
}

// finish opens the rest of the whole sealed payload in place (the chunks
// ahead did not) and returns the plaintext, a prefix of sealed.
func (o *opener) finish(sealed []byte) ([]byte, error) {
	size := sealedSize(int64(len(sealed)))
	if size < 0 {
		return nil, o.fail("the sealed payload has an impossible length")
	}
	if o.bad >= 0 {
		return nil, o.fail(fmt.Sprintf("chunk %d does not authenticate", o.bad))
	}
	if bad := o.openAll(sealed, nil, o.opened); bad >= 0 {
		return nil, o.fail(fmt.Sprintf("chunk %d does not authenticate", bad))
	}
	moveDown(sealed, o.opened, chunks(len(sealed)))
	o.opened = chunks(len(sealed))
	return sealed[:size:size], nil
}

// openParallelMin is the sealed payload size from which open uses every
// core.
const openParallelMin = 4 << 20

// checkSealing checks that a header's version and its "enc" agree: a
// version 4 record is sealed, older ones are not.
func checkSealing(m *Meta) error {
	switch {
	case m.Version == VersionSealed && m.Encryption == nil:
		return fmt.Errorf("header: format version %d without encryption", m.Version)
	case m.Version != VersionSealed && m.Encryption != nil:
		return fmt.Errorf("header: encryption in a format version %d record", m.Version)
	case m.Encryption != nil && m.Literal != nil:
		return errors.New("header: an encrypted literal")
	case m.Encryption != nil && !keyring.ValidID(m.Encryption.KeyID):
		return fmt.Errorf("header: encryption key id %q", m.Encryption.KeyID)
	}
	return nil
}

// writtenVersion is the format version a writer gives a record of m.
func writtenVersion(m Meta) int {
	if m.Encryption != nil {
		return VersionSealed
	}
	return Version
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
