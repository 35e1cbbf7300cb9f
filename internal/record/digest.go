package record

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"

	"github.com/zeebo/xxh3"
)

// The payload digest, by format version. The trailer's digest field is
// digestSize bytes in every version, so the layouts agree byte for byte:
//
//   - version 1: the payload's SHA-256;
//   - version 2: the payload's XXH3-128 (canonical, big-endian: high 64
//     bits first, as `xxhsum -H2` prints it), then 16 zero bytes;
//   - version 3: XXH3-128 over the chunks' digests and the length, then 16
//     zero bytes. The payload is cut into chunks of chunkSize (1 MiB)
//     bytes, the last one shorter (an empty payload has none); the digest
//     is XXH3-128 of D0 | D1 | ... | Dk-1 | N, where Di is the XXH3-128 of
//     chunk i (16 bytes, canonical) and N the payload's length (uint64,
//     big-endian).
//
// The digest guards against damage (a flipped bit, a cut or a spliced
// object), not against someone who forges records: that needs no hash of
// ours to be cryptographic. 128 bits leave a damaged payload undetected
// with odds of about 2^-128: a changed chunk changes its Di, chunks moved
// or taken from another record change the sequence, a cut changes N.
//
// Why chunks (P4, 256 MiB reads and writes): XXH3-128 of a whole buffer in
// one call runs at memory speed (27-54 GB/s in cache here), but the
// streaming hasher (zeebo/xxh3's Hasher) copies every byte it is given
// through its 1 KiB block buffer after its first write (23-26 GB/s in
// cache, and a second pass over every byte: 14% of a P4 read's CPU
// samples). A chunk is hashed in one call straight from the caller's
// buffer whenever a write covers it whole (a read's payload buffer always
// does, and the writer cuts the encoder's writes at chunk boundaries);
// only a chunk split across writes is gathered in a buffer first.

const (
	digestSize = 32
	chunkSize  = 1 << 20 // version 3's chunk
)

// knownVersion reports whether this package reads records of format
// version v.
func knownVersion(v int) bool { return v >= 1 && v <= VersionSealed }

// newDigest returns the running digest of a payload of format version v
// (1 to 3); its Sum appends the trailer's digestSize-byte field.
func newDigest(v int) hash.Hash {
	switch v {
	case 1:
		return sha256.New()
	case 2:
		return &xxhDigest{Hasher: xxh3.New()}
	}
	return &chunkDigest{}
}

// digestOf returns the trailer's digest field for payload, in format
// version v.
func digestOf(v int, payload []byte) [digestSize]byte {
	var d [digestSize]byte
	switch v {
	case 1:
		return sha256.Sum256(payload)
	case 2:
		s := xxh3.Hash128(payload).Bytes()
		copy(d[:], s[:])
		return d
	}
	var s [16]byte
	if len(payload) <= chunkSize {
		// One chunk or none, without a Hasher: XXH3-128 of D0 | N.
		var b [16 + 8]byte
		m := 0
		if len(payload) > 0 {
			s = xxh3.Hash128(payload).Bytes()
			m = copy(b[:], s[:])
		}
		binary.BigEndian.PutUint64(b[m:], uint64(len(payload)))
		s = xxh3.Hash128(b[:m+8]).Bytes()
	} else {
		var c chunkDigest
		c.Write(payload)
		s = c.sum128().Bytes()
	}
	copy(d[:], s[:])
	return d
}

// xxhDigest is XXH3-128 as a hash.Hash whose Sum is version 2's digest
// field: the 16 bytes of the hash, then 16 zero bytes.
type xxhDigest struct{ *xxh3.Hasher }

func (x *xxhDigest) Size() int { return digestSize }

func (x *xxhDigest) Sum(b []byte) []byte {
	s := x.Sum128().Bytes()
	b = append(b, s[:]...)
	return append(b, make([]byte, digestSize-len(s))...)
}

// chunkDigest is version 3's digest as a hash.Hash (see above): each whole
// chunk found in a Write is hashed in place, a chunk split across writes is
// gathered in stage first. The zero value is ready.
type chunkDigest struct {
	top   xxh3.Hasher // over the chunks' digests
	stage []byte      // the current chunk's bytes so far, when it came in pieces
	n     uint64      // bytes written
}

func (c *chunkDigest) Write(p []byte) (int, error) {
	c.n += uint64(len(p))
	total := len(p)
	if len(c.stage) > 0 {
		k := min(len(p), chunkSize-len(c.stage))
		c.stageAppend(p[:k])
		p = p[k:]
		if len(c.stage) < chunkSize {
			return total, nil
		}
		c.add(c.stage)
		c.stage = c.stage[:0]
	}
	for len(p) >= chunkSize {
		c.add(p[:chunkSize])
		p = p[chunkSize:]
	}
	if len(p) > 0 { // the stage is empty: the start of a chunk
		c.stageAppend(p)
	}
	return total, nil
}

// stageAppend appends b to the stage (never past chunkSize), growing it
// by doubling from 4 KiB and, past 64 KiB, straight to chunkSize: a
// payload written in small pieces grows the stage a few times, not at
// append's 1.25x a step (which left 5 MiB of discarded stages behind a
// 16 MiB streamed write, TestJSONWriteStreams), and a small record's stage
// stays small.
func (c *chunkDigest) stageAppend(b []byte) {
	if need := len(c.stage) + len(b); need > cap(c.stage) {
		size := max(need, 2*cap(c.stage), 4<<10)
		if size > 64<<10 {
			size = chunkSize
		}
		grown := make([]byte, len(c.stage), size)
		copy(grown, c.stage)
		c.stage = grown
	}
	c.stage = append(c.stage, b...)
}

// add hashes one whole chunk into the top digest.
func (c *chunkDigest) add(chunk []byte) {
	s := xxh3.Hash128(chunk).Bytes()
	c.top.Write(s[:])
}

// sum128 is the digest of what was written so far; c is not changed.
func (c *chunkDigest) sum128() xxh3.Uint128 {
	t := c.top
	if len(c.stage) > 0 {
		s := xxh3.Hash128(c.stage).Bytes()
		t.Write(s[:])
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], c.n)
	t.Write(n[:])
	return t.Sum128()
}

func (c *chunkDigest) Sum(b []byte) []byte {
	s := c.sum128().Bytes()
	b = append(b, s[:]...)
	return append(b, make([]byte, digestSize-len(s))...)
}

func (c *chunkDigest) Reset() {
	c.top.Reset()
	c.stage, c.n = c.stage[:0], 0
}

func (c *chunkDigest) Size() int      { return digestSize }
func (c *chunkDigest) BlockSize() int { return chunkSize }

// Meta.Checksum's names of the digests, by format version.
const (
	checksumV1 = "sha256:"
	checksumV2 = "xxh3-128:"
	checksumV3 = "xxh3-128-1mib:"
)

// checksumOf spells a trailer's digest field as Meta.Checksum does, in one
// allocation: "sha256:<64 hex>" for version 1, "xxh3-128:<32 hex>" for
// version 2, "xxh3-128-1mib:<32 hex>" for version 3.
func checksumOf(v int, sum []byte) string {
	name, n := checksumV3, 16
	switch v {
	case 1:
		name, n = checksumV1, sha256.Size
	case 2:
		name = checksumV2
	}
	if len(sum) < n {
		return name + hex.EncodeToString(sum)
	}
	var b [len(checksumV1) + 2*sha256.Size]byte
	m := copy(b[:], name)
	hex.Encode(b[m:], sum[:n])
	return string(b[:m+2*n])
}
