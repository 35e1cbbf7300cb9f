package record_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/zeebo/xxh3"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// checksumOf is Meta.Checksum of payload in format version v, computed
// here from the algorithms' own packages and the format's words.
func checksumOf(v int, payload []byte) string {
	switch v {
	case 1:
		return fmt.Sprintf("sha256:%x", sha256.Sum256(payload))
	case 2:
		s := xxh3.Hash128(payload).Bytes()
		return fmt.Sprintf("xxh3-128:%x", s[:])
	}
	return "xxh3-128-1mib:" + chunkedXXH3(payload)
}

// chunkedXXH3 is format version 3's digest in hex, as the package doc
// defines it: XXH3-128 over the XXH3-128 of each 1 MiB chunk of the
// payload (the last one shorter, none when empty), then the payload's
// length as a big-endian uint64.
func chunkedXXH3(payload []byte) string {
	var all []byte
	for c := range slices.Chunk(payload, 1<<20) {
		s := xxh3.Hash128(c).Bytes()
		all = append(all, s[:]...)
	}
	all = binary.BigEndian.AppendUint64(all, uint64(len(payload)))
	s := xxh3.Hash128(all).Bytes()
	return hex.EncodeToString(s[:])
}

// FuzzDecode feeds arbitrary bytes to every reader of the package: the pure
// Decode, and Read and ReadMeta through a memory store (ranged reads). None
// may panic; each either fails with ErrCorrupt (Read also with ErrDecode
// for an intact record of another type) or returns a record whose payload
// matches its stored length and checksum, the same through every reader.
func FuzzDecode(f *testing.F) {
	ctx := context.Background()
	seed := storage.NewMemory()
	zs, _ := serializer.Compressed(serializer.Msgpack(), "zstd")
	for i, w := range []func(key string) error{
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{Task: "t"}, nil, rows(), storage.PutOptions{})
			return err
		},
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{Labels: map[string]string{"a": "b"}}, zs, map[string]int{"x": 1}, storage.PutOptions{})
			return err
		},
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{}, serializer.JSON(), "hello", storage.PutOptions{})
			return err
		},
		func(k string) error {
			_, err := record.WriteLiteral(ctx, seed, k, record.Meta{}, "true", storage.PutOptions{})
			return err
		},
		// JSON-framed records (serializer json).
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{Task: "t", Func: "example.com/app.F", TypeHash: "sha256:00"}, serializer.JSON(), rows(), storage.PutOptions{})
			return err
		},
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{Labels: map[string]string{"a": "b"}}, serializer.JSON(), map[string]any{"}": "\"{"}, storage.PutOptions{})
			return err
		},
		func(k string) error {
			_, err := record.Write(ctx, seed, k, record.Meta{}, bareJSON{}, 7, storage.PutOptions{})
			return err
		},
	} {
		key := fmt.Sprintf("seed/%d", i)
		if err := w(key); err != nil {
			f.Fatal(err)
		}
		rc, err := seed.Get(ctx, key)
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
		// A damaged start: a flipped magic bit (the header tells it is
		// ours), and a zeroed start (only the trailer does).
		flipped := bytes.Clone(b.Bytes())
		flipped[3] ^= 0x10
		f.Add(flipped)
		zeroed := bytes.Clone(b.Bytes())
		clear(zeroed[:min(len(zeroed), 24)])
		f.Add(zeroed)
	}
	// Records of format version 1 (SHA-256), as its writer wrote them.
	for _, fx := range v1Fixtures {
		for v := 1; v <= 2; v++ {
			if b := fixture(f, v, fx.name); len(b) < 4096 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte("RGRESULT\x00\x01\x00\x00\x00\x02{}"))
	f.Add([]byte("RGRESULT\x00\x02\x00\x00\x00\x02{}"))
	f.Add([]byte("RGRESULT\x00\x03\x00\x00\x00\x02{}"))
	f.Add([]byte("RGRESULT\x00\x01\xff\xff\xff\xff"))
	f.Add([]byte(`{"resultgen":1,"meta_size":      2,"meta":{}`))
	f.Add([]byte(`{"resultgen":2,"meta_size":      2,"meta":{}`))
	f.Add([]byte(`{"resultgen":3,"meta_size":      2,"meta":{}`))
	f.Add([]byte(`{"resultgen":4,"meta_size":`))
	f.Add([]byte(`{"resultgen": "x"}`))
	f.Add([]byte(`{"a":1}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		meta, payload, err := record.Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, record.ErrCorrupt) {
				t.Fatalf("Decode error does not wrap ErrCorrupt: %v", err)
			}
		} else {
			if meta.Size != int64(len(payload)) || meta.Checksum != checksumOf(meta.Version, payload) {
				t.Fatalf("Decode returned a payload that does not match its meta: %+v", meta)
			}
			if (meta.Literal == nil) == (meta.Serializer == nil) {
				t.Fatalf("Decode returned meta with literal %v and serializer %v", meta.Literal, meta.Serializer)
			}
		}

		st := storage.NewMemory()
		if err := st.Put(ctx, "k", bytes.NewReader(data), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		m2, err2 := record.ReadMeta(ctx, st, "k")
		if err2 != nil && !errors.Is(err2, record.ErrCorrupt) {
			t.Fatalf("ReadMeta error does not wrap ErrCorrupt: %v", err2)
		}
		if err != nil && !errors.Is(err, record.ErrNotRecord) && errors.Is(err2, record.ErrNotRecord) {
			t.Fatalf("Decode found a damaged record (%v), ReadMeta a foreign object (%v)", err, err2)
		}
		if err == nil && err2 != nil {
			t.Fatalf("Decode accepted what ReadMeta refused: %v", err2)
		}
		if err == nil && (m2.Size != meta.Size || m2.Checksum != meta.Checksum) {
			t.Fatalf("ReadMeta %+v, Decode %+v", m2, meta)
		}
		var v any
		_, err3 := record.Read(ctx, st, "k", nil, &v)
		if err3 != nil && !errors.Is(err3, record.ErrCorrupt) && !errors.Is(err3, record.ErrDecode) {
			t.Fatalf("Read error is neither ErrCorrupt nor ErrDecode: %v", err3)
		}
		if (err == nil) != (err3 == nil || errors.Is(err3, record.ErrDecode)) {
			t.Fatalf("Decode: %v; Read: %v", err, err3)
		}
	})
}
