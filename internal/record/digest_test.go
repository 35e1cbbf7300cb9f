package record

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// Version 3's running digest is the same however the payload is cut into
// writes (whole chunks in place, pieces staged), the same as digestOf's of
// the payload whole, and Sum does not disturb it.
func TestChunkDigestSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3*chunkSize+5)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 240, 241, chunkSize - 1, chunkSize, chunkSize + 1, 2*chunkSize + 17, 3*chunkSize + 5} {
		p := data[:n]
		want := digestOf(3, p)
		one := newDigest(3)
		one.Write(p)
		if got := one.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Errorf("%d bytes in one write: %x, digestOf %x", n, got, want)
		}
		for trial := range 4 {
			d := newDigest(3)
			for rest := p; len(rest) > 0; {
				k := min(len(rest), 1+rng.IntN(chunkSize/2+chunkSize*(trial%2)))
				d.Write(rest[:k])
				_ = d.Sum(nil) // Sum leaves the state as it is
				rest = rest[k:]
			}
			if got := d.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Errorf("%d bytes in random writes (trial %d): %x, want %x", n, trial, got, want)
			}
		}
	}
	// Not version 2's digest of the same bytes, and not the same for two
	// payloads that differ in one byte, nor for a payload and its prefix.
	p := data[:chunkSize+9]
	if a, b := digestOf(3, p), digestOf(2, p); bytes.Equal(a[:16], b[:16]) {
		t.Error("version 3's digest equals version 2's")
	}
	q := bytes.Clone(p)
	q[chunkSize+3] ^= 1
	if a, b := digestOf(3, p), digestOf(3, q); a == b {
		t.Error("a flipped bit in the second chunk leaves the digest as it was")
	}
	if a, b := digestOf(3, p), digestOf(3, p[:chunkSize]); a == b {
		t.Error("a payload cut at a chunk boundary has the whole payload's digest")
	}
}
