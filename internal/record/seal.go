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

// sealWriter seals what is written to it chunk by chunk into w; close
// seals the last chunk.
type sealWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	aad    []byte // binding | last flag
	prefix []byte
	buf    []byte // plaintext of the chunk being filled
	out    []byte // sealed chunks not handed on yet (up to sealBatch bytes)
	n      uint32 // chunks sealed
	err    error
}

func (s *sealWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	written := 0
	for len(p) > 0 {
		if len(s.buf) == SealChunk {
			// a full chunk is sealed when more follows, so the last one is
			// known at close
			if err := s.seal(s.buf, false); err != nil {
				return written, err
			}
			s.buf = s.buf[:0]
		}
		if len(s.buf) == 0 && len(p) > SealChunk {
			// a whole chunk with more after it: sealed from p, no copy
			if err := s.seal(p[:SealChunk], false); err != nil {
				return written, err
			}
			p = p[SealChunk:]
			written += SealChunk
			continue
		}
		// the buffer grows to the chunk size only for a payload that
		// needs it: a small one costs its own size, not 64 KiB
		c := min(len(p), SealChunk-len(s.buf))
		s.buf = append(s.buf, p[:c]...)
		p = p[c:]
		written += c
	}
	return written, nil
}

// sealBatch is how many sealed bytes the writer gathers before it hands
// them on: one write of about 1 MiB rather than one a chunk (each write to
// a spilled record is a wake-up of the storing goroutine).
const sealBatch = 16 * (SealChunk + sealTag)

// seal seals the plaintext chunk src into the batch, handing the batch on
// when it is full or src is the last chunk.
func (s *sealWriter) seal(src []byte, last bool) error {
	if s.n == 1<<32-1 {
		s.err = errors.New("payload too large to seal (2^32 chunks)")
		return s.err
	}
	var nonce [12]byte
	copy(nonce[:], s.prefix)
	binary.BigEndian.PutUint32(nonce[8:], s.n)
	s.aad[len(s.aad)-1] = 0
	if last {
		s.aad[len(s.aad)-1] = 1
	}
	s.out = s.aead.Seal(s.out, nonce[:], src, s.aad)
	s.n++
	if !last && len(s.out)+SealChunk+sealTag <= sealBatch {
		return nil
	}
	_, err := s.w.Write(s.out)
	s.out = s.out[:0]
	if err != nil {
		s.err = err
	}
	return err
}

func (s *sealWriter) close() error {
	if s.err != nil {
		return s.err
	}
	return s.seal(s.buf, true)
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
	bind := binding(key, m)
	dk, err := unwrap(kr, key, m, bind)
	if err != nil {
		return nil, err
	}
	a, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	fail := func(why string) error {
		return &KeyError{Key: key, KeyID: m.Encryption.KeyID, Kind: ErrDecrypt, Detail: why}
	}
	size := sealedSize(int64(len(sealed)))
	if size < 0 || len(m.Encryption.NoncePrefix) != 8 {
		return nil, fail("the sealed payload has an impossible length")
	}
	inPlace := own && len(sealed) >= openParallelMin
	var plain []byte
	if !inPlace {
		plain = make([]byte, size)
	}
	chunks := (len(sealed) + SealChunk + sealTag - 1) / (SealChunk + sealTag)
	if chunks == 0 {
		chunks = 1 // an empty payload is one chunk of a tag
	}
	// openRange opens chunks [from, to) into their places in plain; it
	// returns the first chunk that fails, or -1.
	openRange := func(from, to int) int {
		aad := append(slices.Clip(bind), 0)
		var nonce [12]byte
		copy(nonce[:], m.Encryption.NoncePrefix)
		for i := from; i < to; i++ {
			c := sealed[i*(SealChunk+sealTag) : min(len(sealed), (i+1)*(SealChunk+sealTag))]
			binary.BigEndian.PutUint32(nonce[8:], uint32(i))
			aad[len(aad)-1] = 0
			if i == chunks-1 {
				aad[len(aad)-1] = 1
			}
			dst := c[:0] // in place: GCM allows dst to alias the ciphertext exactly
			if !inPlace {
				off := i * SealChunk
				dst = plain[off : off : off+len(c)-sealTag]
			}
			if _, err := a.Open(dst, nonce[:], c, aad); err != nil {
				return i
			}
		}
		return -1
	}
	// A large payload opens on every core: the chunks are independent
	// (GCM is safe for concurrent use), and the read of P4's 256 MiB
	// otherwise waits on one core's decryption.
	workers := 1
	if len(sealed) >= openParallelMin {
		workers = min(goruntime.GOMAXPROCS(0), chunks)
	}
	bad := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		from, to := chunks*w/workers, chunks*(w+1)/workers
		if w == workers-1 {
			bad[w] = openRange(from, to)
			continue
		}
		wg.Go(func() { bad[w] = openRange(from, to) })
	}
	wg.Wait()
	for _, i := range bad {
		if i >= 0 {
			return nil, fail(fmt.Sprintf("chunk %d does not authenticate", i))
		}
	}
	if inPlace {
		// chunk i's plaintext starts at i*(SealChunk+sealTag): move each
		// down over the tags before it, in order (copy handles overlap)
		for i := 1; i < chunks; i++ {
			from := i * (SealChunk + sealTag)
			n := min(len(sealed), from+SealChunk+sealTag) - from - sealTag
			copy(sealed[i*SealChunk:], sealed[from:from+n])
		}
		plain = sealed[:size:size]
	}
	return plain, nil
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
