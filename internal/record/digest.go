package record

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/zeebo/xxh3"
)

// The payload digest, by format version. The trailer's digest field is
// digestSize bytes in every version, so the layouts agree byte for byte:
//
//   - version 1: the payload's SHA-256;
//   - version 2: the payload's XXH3-128 (canonical, big-endian: high 64
//     bits first, as `xxhsum -H2` prints it), then 16 zero bytes.
//
// The digest guards against damage (a flipped bit, a cut or a spliced
// object), not against someone who forges records: that needs no hash of
// ours to be cryptographic. XXH3-128 runs at memory speed (about 10-19
// GB/s on one core against SHA-256's 0.5-2), which is what keeps P4's
// large reads and writes near the disk's speed; 128 bits leave a damaged
// payload undetected with odds of 2^-128.

const digestSize = 32

// knownVersion reports whether this package reads records of format
// version v.
func knownVersion(v int) bool { return v == 1 || v == Version }

// newDigest returns the running digest of a payload of format version v
// (1 or 2); its Sum appends the trailer's digestSize-byte field.
func newDigest(v int) hash.Hash {
	if v == 1 {
		return sha256.New()
	}
	return &xxhDigest{Hasher: xxh3.New()}
}

// digestOf returns the trailer's digest field for payload, in format
// version v.
func digestOf(v int, payload []byte) [digestSize]byte {
	if v == 1 {
		return sha256.Sum256(payload)
	}
	var d [digestSize]byte
	s := xxh3.Hash128(payload).Bytes()
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

// checksumOf spells a trailer's digest field as Meta.Checksum does, in one
// allocation: "sha256:<64 hex>" for version 1, "xxh3-128:<32 hex>" for
// version 2.
func checksumOf(v int, sum []byte) string {
	name, n := "xxh3-128:", 16
	if v == 1 {
		name, n = "sha256:", sha256.Size
	}
	if len(sum) < n {
		return name + hex.EncodeToString(sum)
	}
	var b [len("xxh3-128:") + 2*sha256.Size]byte
	m := copy(b[:], name)
	hex.Encode(b[m:], sum[:n])
	return string(b[:m+2*n])
}
