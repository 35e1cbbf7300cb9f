package record_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// testKey returns a 32-byte key made of b, in base64.
func testKey(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func keyring(t testing.TB, spec string) *record.Keyring {
	t.Helper()
	kr, err := record.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

const secretName = "Zyx-secret-customer-name"

func secretRows() []Row {
	r := rows()
	r[0].Name = secretName
	return r
}

// Every serializer on every store: a sealed record reads back with the
// keyring, hides the value from whoever reads the object, and its
// metadata (Head, ReadMeta) reads without any key, naming the key id.
func TestSealedRoundTrip(t *testing.T) {
	kr := keyring(t, "k1:"+testKey(1))
	plain := context.Background()
	ctx := record.WithSealing(plain, kr)
	for _, sc := range stores() {
		st := sc.new(t)
		for _, ser := range serializers(t) {
			t.Run(sc.name+"/"+ser.Spec().String(), func(t *testing.T) {
				key := "sealed/" + strings.ReplaceAll(ser.Spec().String(), "/", "-")
				wm, err := record.Write(ctx, st, key, record.Meta{Task: "load-rows", TypeHash: "sha256:ab"}, ser, secretRows(), storage.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if wm.Version != record.VersionSealed || wm.Encryption == nil || wm.Encryption.KeyID != "k1" || wm.Encryption.Cipher != record.CipherChunked {
					t.Fatalf("Write returned version %d, encryption %+v", wm.Version, wm.Encryption)
				}
				raw := rawObject(t, st, key)
				if bytes.Contains(raw, []byte(secretName)) || bytes.Contains(raw, []byte("Zyx")) {
					t.Error("the stored object holds the value in the clear")
				}
				var got []Row
				if _, err := record.Read(record.WithKeyring(plain, kr), st, key, ser, &got); err != nil {
					t.Fatal(err)
				}
				if !sameRows(got, secretRows()) {
					t.Errorf("Read decoded %+v", got)
				}
				got = nil // a second read takes the stores' kept-record paths
				if _, err := record.Read(record.WithKeyring(plain, kr), st, key, ser, &got); err != nil || !sameRows(got, secretRows()) {
					t.Fatalf("second read: %v, %+v", err, got)
				}
				for name, read := range map[string]func() (record.Meta, error){
					"ReadMeta": func() (record.Meta, error) { return record.ReadMeta(plain, st, key) },
					"Head":     func() (record.Meta, error) { return record.Head(plain, st, key) },
				} {
					m, err := read()
					if err != nil {
						t.Fatalf("%s without a key: %v", name, err)
					}
					if m.Encryption == nil || m.Encryption.KeyID != "k1" || m.Task != "load-rows" || m.Version != record.VersionSealed {
						t.Errorf("%s: version %d, task %q, encryption %+v", name, m.Version, m.Task, m.Encryption)
					}
				}
				// Without the keyring: a clear error naming the key id,
				// never damage, and the value untouched.
				got = []Row{{ID: 99}}
				_, err = record.Read(plain, st, key, ser, &got)
				if !errors.Is(err, record.ErrKeyMissing) || errors.Is(err, record.ErrCorrupt) || !strings.Contains(err.Error(), `"k1"`) {
					t.Errorf("read without a keyring: %v", err)
				}
				if len(got) != 1 || got[0].ID != 99 {
					t.Errorf("a failed read changed the value: %+v", got)
				}
			})
		}
	}
}

// A record written without sealing stays in today's format (version 3).
func TestUnsealedKeepsVersion(t *testing.T) {
	ctx := record.WithKeyring(context.Background(), keyring(t, "k1:"+testKey(1)))
	st := storage.NewMemory()
	m, err := record.Write(ctx, st, "a", record.Meta{}, nil, 42, storage.PutOptions{})
	if err != nil || m.Version != record.Version || m.Encryption != nil {
		t.Fatalf("%v %+v", err, m)
	}
}

// Payloads around the chunk size, streamed through the sealer: each reads
// back byte for byte, and the sealed size is the plaintext's plus a tag a
// chunk.
func TestSealedChunks(t *testing.T) {
	kr := keyring(t, "k1:"+testKey(1))
	ctx := record.WithSealing(context.Background(), kr)
	st := mustLocal(t)
	// msgpack puts 3 bytes before a bin16 value, 5 before a bin32: the
	// payloads of SealChunk-3 and 4*SealChunk-5 bytes end exactly at a
	// chunk's end
	for _, n := range []int{0, 1, record.SealChunk - 3, record.SealChunk - 2, record.SealChunk + 1, 3*record.SealChunk + 7, 4*record.SealChunk - 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(i*7 + i>>8)
			}
			key := fmt.Sprintf("chunks/%d", n)
			if _, err := record.Write(ctx, st, key, record.Meta{Task: "t"}, serializer.Msgpack(), in, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			var out []byte
			if _, err := record.Read(ctx, st, key, nil, &out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in, out) {
				t.Errorf("%d bytes in, %d out, differing", len(in), len(out))
			}
		})
	}
}

// rawObject returns the bytes stored at key.
func rawObject(t testing.TB, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func putRaw(t testing.TB, st storage.Storage, key string, b []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
		t.Fatal(err)
	}
}

// reframe rebuilds a binary-framed record with its header edited by
// header and its payload by payload, every CRC and the digest made to
// match again: only the cipher can tell.
func reframe(t testing.TB, b []byte, header func(map[string]any), payload func([]byte) []byte) []byte {
	t.Helper()
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	hlen := int(binary.BigEndian.Uint32(b[10:14]))
	var h map[string]any
	if err := json.Unmarshal(b[14:14+hlen], &h); err != nil {
		t.Fatal(err)
	}
	p := bytes.Clone(b[18+hlen : len(b)-48])
	if header != nil {
		header(h)
	}
	if payload != nil {
		p = payload(p)
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{}, b[:10]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(js)))
	out = append(out, js...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(out[8:], castagnoli))
	out = append(out, p...)
	tr := binary.BigEndian.AppendUint64(nil, uint64(len(p)))
	sum, _ := hex.DecodeString(chunkedXXH3(p))
	tr = append(tr, sum...)
	tr = append(tr, make([]byte, 16)...)
	tr = binary.BigEndian.AppendUint32(tr, crc32.Checksum(tr, castagnoli))
	out = append(out, tr...)
	return append(out, "RGND"...)
}

// Every way a sealed record can fail to open: each is ErrDecrypt or
// ErrKeyMissing naming the key id, never damage (the runtime would replace
// damage), and decodes nothing.
func TestSealedRefusals(t *testing.T) {
	k1 := keyring(t, "k1:"+testKey(1))
	ctx := record.WithSealing(context.Background(), k1)
	st := mustLocal(t)
	in := record.Meta{Task: "t", TypeHash: "sha256:aa", Labels: map[string]string{record.LabelCodeVersion: "sha256:c1"}}
	if _, err := record.Write(ctx, st, "orig", in, nil, secretRows(), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	orig := rawObject(t, st, "orig")
	cases := []struct {
		name string
		ctx  context.Context
		obj  []byte
		want error
	}{
		{"intact", ctx, orig, nil},
		{"reframed as it was", ctx, reframe(t, orig, nil, nil), nil},
		{"wrong key", record.WithKeyring(context.Background(), keyring(t, "k1:"+testKey(2))), orig, record.ErrDecrypt},
		{"missing key", record.WithKeyring(context.Background(), keyring(t, "k2:"+testKey(1))), orig, record.ErrKeyMissing},
		{"no keyring", context.Background(), orig, record.ErrKeyMissing},
		{"retyped", ctx, reframe(t, orig, func(h map[string]any) { h["type_hash"] = "sha256:bb" }, nil), record.ErrDecrypt},
		{"other task", ctx, reframe(t, orig, func(h map[string]any) { h["task"] = "u" }, nil), record.ErrDecrypt},
		{"other code version", ctx, reframe(t, orig, func(h map[string]any) {
			h["labels"] = map[string]string{record.LabelCodeVersion: "sha256:c2"}
		}, nil), record.ErrDecrypt},
		{"relabelled key id", ctx, reframe(t, orig, func(h map[string]any) {
			h["enc"].(map[string]any)["key_id"] = "k2"
		}, nil), record.ErrKeyMissing},
		{"tampered ciphertext", ctx, reframe(t, orig, nil, func(p []byte) []byte { p[len(p)/2] ^= 1; return p }), record.ErrDecrypt},
		{"truncated", ctx, reframe(t, orig, nil, func(p []byte) []byte { return p[:len(p)-1] }), record.ErrDecrypt},
		{"tag dropped", ctx, reframe(t, orig, nil, func(p []byte) []byte { return p[:len(p)-16] }), record.ErrDecrypt},
		{"damaged", ctx, func() []byte { b := bytes.Clone(orig); b[len(b)-60] ^= 1; return b }(), record.ErrChecksum},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			putRaw(t, st, "orig", c.obj) // edited in place: only the edit tells
			got := []Row{{ID: 99}}
			_, err := record.Read(c.ctx, st, "orig", nil, &got)
			if c.want == nil {
				if err != nil || !sameRows(got, secretRows()) {
					t.Fatalf("intact: %v", err)
				}
				// the same bytes at another key: a record moved
				putRaw(t, st, "moved", c.obj)
				if _, err := record.Read(c.ctx, st, "moved", nil, &got); !errors.Is(err, record.ErrDecrypt) {
					t.Fatalf("a record moved to another key: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.want != record.ErrChecksum && errors.Is(err, record.ErrCorrupt) {
				t.Errorf("%v matches ErrCorrupt: the runtime would replace the record", err)
			}
			if c.want != record.ErrChecksum && !strings.Contains(err.Error(), `key "k`) {
				t.Errorf("error does not name the key id: %v", err)
			}
			if len(got) != 1 || got[0].ID != 99 {
				t.Errorf("a failed read changed the value: %+v", got)
			}
		})
	}
}

// Keys are read from their spelling; the first is current unless one is
// marked; and no error, String or fmt verb shows a key's bytes.
func TestKeyring(t *testing.T) {
	a, b := testKey(0xa1), testKey(0xb2)
	for spec, current := range map[string]string{
		"old:" + a + ",new:" + b:                  "old",
		"old:" + a + ", *new:" + b:                "new",
		"# keys\nold:" + a + "\n*new:" + b + "\n": "new",
		"u:" + strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(a), "="): "u",
	} {
		kr, err := record.ParseKeyring(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if kr.Current() != current {
			t.Errorf("%q: current %q, want %q", spec, kr.Current(), current)
		}
		for _, s := range []string{kr.String(), fmt.Sprintf("%v %+v %#v %s %q", kr, kr, kr, kr, kr)} {
			if strings.Contains(s, a[:8]) || strings.Contains(s, b[:8]) || strings.Contains(s, "\xa1\xa1") {
				t.Errorf("%q prints key material: %s", spec, s)
			}
		}
	}
	for _, spec := range []string{"", "nokey", "k:" + base64.StdEncoding.EncodeToString([]byte("short-secret-key")), "k:" + a + ",k:" + b, "*a:" + a + ",*b:" + b, "bad id:" + a, "k:!!" + a} {
		_, err := record.ParseKeyring(spec)
		if err == nil {
			t.Errorf("%q: no error", spec)
			continue
		}
		if strings.Contains(err.Error(), a[:8]) || strings.Contains(err.Error(), "short-secret") || strings.Contains(err.Error(), "c2hvcnQ") {
			t.Errorf("%q: error shows the key: %v", spec, err)
		}
	}
}

// Rotation: a record sealed under an old key reads with a keyring whose
// current key is new, as long as the old one is in it.
func TestOldKeysKeepReading(t *testing.T) {
	st := mustLocal(t)
	old := keyring(t, "old:"+testKey(1))
	if _, err := record.Write(record.WithSealing(context.Background(), old), st, "r", record.Meta{Task: "t"}, nil, secretRows(), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rotated := keyring(t, "old:"+testKey(1)+",*new:"+testKey(2))
	var got []Row
	if _, err := record.Read(record.WithKeyring(context.Background(), rotated), st, "r", nil, &got); err != nil || !sameRows(got, secretRows()) {
		t.Fatalf("%v", err)
	}
	m, err := record.Write(record.WithSealing(context.Background(), rotated), st, "s", record.Meta{Task: "t"}, nil, 1, storage.PutOptions{})
	if err != nil || m.Encryption.KeyID != "new" {
		t.Fatalf("%v %+v", err, m.Encryption)
	}
	_, err = record.Read(record.WithKeyring(context.Background(), old), st, "s", nil, new(int))
	if !errors.Is(err, record.ErrKeyMissing) || !strings.Contains(err.Error(), `"new"`) {
		t.Errorf("a keyring without the new key: %v", err)
	}
}

// Payloads large enough to open on several cores (6 MiB) and behind their
// reads (20 MiB, on local storage): intact, they read back; a byte changed
// in any chunk, early or late, fails to open, even with the digest
// recomputed.
func TestSealedLargeParallel(t *testing.T) {
	for _, size := range []int{6 << 20, record.HashBehindMin + 4<<20} {
		t.Run(fmt.Sprint(size>>20, "MiB"), func(t *testing.T) { testSealedLarge(t, size) })
	}
}

func testSealedLarge(t *testing.T, size int) {
	kr := keyring(t, "k1:"+testKey(1))
	ctx := record.WithSealing(context.Background(), kr)
	st := mustLocal(t)
	in := bytes.Repeat([]byte("parallel open "), size/14)
	if _, err := record.Write(ctx, st, "big", record.Meta{Task: "t"}, nil, in, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var out []byte
	if _, err := record.Read(ctx, st, "big", nil, &out); err != nil || !bytes.Equal(in, out) {
		t.Fatalf("%v", err)
	}
	orig := rawObject(t, st, "big")
	for _, at := range []float64{0.01, 0.5, 0.99, 1} {
		putRaw(t, st, "big", reframe(t, orig, nil, func(p []byte) []byte { p[min(len(p)-1, int(float64(len(p))*at))] ^= 1; return p }))
		if _, err := record.Read(ctx, st, "big", nil, &out); !errors.Is(err, record.ErrDecrypt) {
			t.Errorf("a byte changed at %.0f%%: %v", at*100, err)
		}
	}
}

// piecewise is msgpack writing its encoding in pieces of varying sizes (a
// serializer that streams), calling after, if set, once at least afterN
// bytes are written.
type piecewise struct {
	serializer.Serializer
	after  func()
	afterN int
}

func (p piecewise) Encode(w io.Writer, v any) error {
	var b bytes.Buffer
	if err := p.Serializer.Encode(&b, v); err != nil {
		return err
	}
	sizes := []int{1, 7, 4093, record.SealChunk + 5, 300 << 10, 3}
	done := 0
	for i := 0; b.Len() > 0; i++ {
		n, err := w.Write(b.Next(sizes[i%len(sizes)]))
		done += n
		if err != nil {
			return err
		}
		if p.after != nil && done >= p.afterN {
			p.after()
			p.after = nil
		}
	}
	return nil
}

// Payloads of several sealed batches (the writer seals one while the store
// writes the ones before), written whole or in pieces that split chunks,
// one ending exactly at a chunk's end (msgpack's 5 bytes before it),
// on a store that writes the body out (local) and one that reads it
// (memory): each reads back byte for byte, and its sealed size is the
// plaintext's plus a tag a chunk.
func TestSealedBatches(t *testing.T) {
	kr := keyring(t, "k1:"+testKey(1))
	ctx := record.WithSealing(context.Background(), kr)
	for _, n := range []int{1<<20 - 5, 1<<20 + 4096, 5<<20 + 123, 17*record.SealChunk - 5, 9 << 20} {
		in := make([]byte, n)
		for i := range in {
			in[i] = byte(i*13 + i>>12)
		}
		for _, sc := range stores()[:2] {
			st := sc.new(t)
			for _, ser := range []serializer.Serializer{serializer.Msgpack(), piecewise{Serializer: serializer.Msgpack()}} {
				name := fmt.Sprintf("%d/%s/%T", n, sc.name, ser)
				t.Run(name, func(t *testing.T) {
					m, err := record.Write(ctx, st, "batches", record.Meta{Task: "t"}, ser, in, storage.PutOptions{})
					if err != nil {
						t.Fatal(err)
					}
					var enc bytes.Buffer
					_ = serializer.Msgpack().Encode(&enc, in)
					chunks := max(1, int64((enc.Len()+record.SealChunk-1)/record.SealChunk))
					if want := int64(enc.Len()) + 16*chunks; m.Size != want {
						t.Errorf("sealed size %d, want %d (%d chunks)", m.Size, want, chunks)
					}
					var out []byte
					if _, err := record.Read(ctx, st, "batches", nil, &out); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(in, out) {
						t.Errorf("%d bytes in, %d out, differing", len(in), len(out))
					}
				})
			}
		}
	}
}

// A large sealed write cancelled half way, while the store holds batches
// sealed ahead, returns the cancellation (it does not hang), and leaves
// no record behind.
func TestSealedWriteCancelled(t *testing.T) {
	kr := keyring(t, "k1:"+testKey(1))
	for _, sc := range stores()[:2] {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.new(t)
			ctx, cancel := context.WithCancel(record.WithSealing(context.Background(), kr))
			defer cancel()
			ser := piecewise{Serializer: serializer.Msgpack(), after: cancel, afterN: 6 << 20}
			_, err := record.Write(ctx, st, "cancelled", record.Meta{Task: "t"}, ser, make([]byte, 12<<20), storage.PutOptions{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("write: %v, want context.Canceled", err)
			}
			if _, err := st.Stat(context.Background(), "cancelled"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("after a cancelled write: %v, want not found", err)
			}
		})
	}
}
