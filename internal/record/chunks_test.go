package record_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

const mib = 1 << 20

// bigRecord writes a []byte value of n random bytes (seeded) as a record
// under key "big", always with the same header, and returns the stored
// object, the value and the offset of the payload in the object.
func bigRecord(t *testing.T, n int, seed uint64) (obj, value []byte, payloadAt int) {
	t.Helper()
	var chachaSeed [32]byte
	binary.LittleEndian.PutUint64(chachaSeed[:], seed)
	value = make([]byte, n)
	rand.NewChaCha8(chachaSeed).Read(value) // in bulk: a byte at a time took seconds under -race
	ctx := context.Background()
	st := storage.NewMemory()
	meta := record.Meta{Task: "big", Created: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	wm, err := record.Write(ctx, st, "big", meta, serializer.Msgpack(), value, storage.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := st.Get(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	obj, _ = io.ReadAll(rc)
	payloadAt = len(obj) - 48 - int(wm.Size)
	if wm.Version != 3 || !strings.HasPrefix(wm.Checksum, "xxh3-128-1mib:") {
		t.Fatalf("Write returned version %d, checksum %s", wm.Version, wm.Checksum)
	}
	return obj, value, payloadAt
}

// bigStoreTurn picks the store of readBig's next call under -race.
var bigStoreTurn atomic.Int64

// readBig reads obj through every reader that reads a payload: Decode,
// the streaming Reader (through a small buffer, so chunks arrive in
// pieces), and Read from a local folder (a file: large payloads are read
// a chunk at a time), memory and a plain store (one of the three, in
// turn, under -race). It returns each reader's error and checks that a
// reader that succeeds returns want, and that one that fails leaves the
// caller's value alone.
func readBig(t *testing.T, obj, want []byte) map[string]error {
	t.Helper()
	ctx := context.Background()
	errs := map[string]error{}
	m, payload, err := record.Decode(bytes.NewReader(obj))
	errs["Decode"] = err
	if err == nil && (m.Size != int64(len(payload)) || m.Checksum != "xxh3-128-1mib:"+chunkedXXH3(payload)) {
		t.Errorf("Decode: size %d, checksum %s, for %d payload bytes", m.Size, m.Checksum, len(payload))
	}
	d, err := record.NewReader(bytes.NewReader(obj))
	if err == nil {
		_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{d}, make([]byte, 7000))
	}
	errs["Reader"] = err
	scs := stores()
	if sweep.Race {
		// Under -race each call reads through one store, in turn: the
		// detector's cost grows with every byte copied, and three stores of
		// multi-MiB records made these tests a third of the package's CPU.
		// Each store still meets a third of the cases; go test without
		// -race runs every case through every store.
		i := int(bigStoreTurn.Add(1)) % len(scs)
		scs = scs[i : i+1]
	}
	for _, sc := range scs {
		st := sc.new(t)
		if err := st.Put(ctx, "big", bytes.NewReader(obj), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		sentinel := []byte("untouched")
		got := sentinel
		_, err := record.Read(ctx, st, "big", nil, &got)
		switch {
		case err != nil && !bytes.Equal(got, sentinel):
			t.Errorf("Read/%s failed (%v) and changed the value", sc.name, err)
		case err == nil && !bytes.Equal(got, want):
			t.Errorf("Read/%s: %d bytes, not the %d written", sc.name, len(got), len(want))
		}
		errs["Read/"+sc.name] = err
	}
	return errs
}

// Payloads on both sides of chunk boundaries, and one past the size from
// which a file is read a chunk at a time, read back whole through every
// reader, with the digest the package doc defines.
func TestChunkedRoundTrip(t *testing.T) {
	// A value of n bytes is a payload of n+5 (msgpack's bin 32 prefix).
	for _, n := range []int{70000, mib - 6, mib - 5, mib - 4, 2*mib - 5, 3*mib + 777, 17*mib + 333} {
		obj, value, _ := bigRecord(t, n, uint64(n))
		for what, err := range readBig(t, obj, value) {
			if err != nil {
				t.Errorf("%d bytes: %s: %v", n, what, err)
			}
		}
	}
}

// Any damage to a payload of version 3 is found by every reader: a flipped
// bit in any chunk, a record cut short, and records spliced from two
// records' chunks or from one's payload and the other's trailer. None
// hands out a value.
func TestChunkedDamage(t *testing.T) {
	const n = 3*mib + 777
	a, av, at := bigRecord(t, n, 1)
	b, _, bt := bigRecord(t, n, 2)
	if at != bt || len(a) != len(b) || !bytes.Equal(a[:at], b[:at]) {
		t.Fatal("the two records differ before their payloads")
	}
	size := len(a) - 48 - at
	check := func(name string, obj []byte, kind error) {
		t.Helper()
		for what, err := range readBig(t, obj, av) {
			if !errors.Is(err, kind) || !damaged(err) {
				t.Errorf("%s: %s: %v, want %v", name, what, err, kind)
			}
		}
	}
	flip := func(off int) []byte {
		c := bytes.Clone(a)
		c[at+off] ^= 0x04
		return c
	}
	check("a flipped bit in the first chunk", flip(0), record.ErrChecksum)
	check("a flipped bit in the second chunk", flip(mib+12345), record.ErrChecksum)
	check("a flipped bit at a chunk's last byte", flip(2*mib-1), record.ErrChecksum)
	check("a flipped bit at a chunk's first byte", flip(2*mib), record.ErrChecksum)
	check("a flipped bit in the last, short chunk", flip(size-1), record.ErrChecksum)

	spliced := bytes.Clone(a)
	copy(spliced[at+mib:at+2*mib], b[at+mib:at+2*mib])
	check("the second chunk of another record", spliced, record.ErrChecksum)
	swapped := bytes.Clone(a)
	copy(swapped[at:at+mib], a[at+mib:at+2*mib])
	copy(swapped[at+mib:at+2*mib], a[at:at+mib])
	check("the first two chunks swapped", swapped, record.ErrChecksum)
	trailer := append(bytes.Clone(a[:len(a)-48]), b[len(b)-48:]...)
	check("another record's trailer", trailer, record.ErrChecksum)

	check("cut in the middle of a chunk", bytes.Clone(a[:at+mib+100]), record.ErrTruncated)
	check("cut at a chunk boundary", bytes.Clone(a[:at+2*mib]), record.ErrTruncated)
	check("cut inside the trailer", bytes.Clone(a[:len(a)-20]), record.ErrTruncated)
	short := append(bytes.Clone(a[:len(a)-49]), a[len(a)-48:]...) // one payload byte short
	check("a payload byte missing", short, record.ErrTruncated)
}

// The same through a file read a chunk at a time (from 16 MiB): a flipped
// bit in a chunk in the middle and in the last one.
func TestChunkedDamageLarge(t *testing.T) {
	a, av, at := bigRecord(t, 17*mib+333, 3)
	for _, off := range []int{9*mib + 5, len(a) - 48 - at - 1} {
		c := bytes.Clone(a)
		c[at+off] ^= 0x80
		for what, err := range readBig(t, c, av) {
			if !errors.Is(err, record.ErrChecksum) || !damaged(err) {
				t.Errorf("a flipped bit at payload byte %d: %s: %v, want ErrChecksum", off, what, err)
			}
		}
	}
}
