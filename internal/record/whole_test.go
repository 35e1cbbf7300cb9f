package record_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// A record read in place (from memory storage's own bytes, or a small
// object read whole) gives what the streaming reader gives, for intact and
// for damaged records alike: the same error, and the same Meta.
func TestInPlaceReadAgreesWithStreaming(t *testing.T) {
	ctx := context.Background()
	full, _ := small(t)
	mem, plain := storage.NewMemory(), plainStore{storage.NewMemory()}
	read := func(st storage.Storage, b []byte) (record.Meta, []Row, error) {
		if err := st.Put(ctx, "k", bytes.NewReader(b), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		var v []Row
		m, err := record.Read(ctx, st, "k", serializer.Msgpack(), &v)
		return m, v, err
	}
	try := func(what string, b []byte) {
		t.Helper()
		m1, v1, err1 := read(mem, b)
		m2, v2, err2 := read(plain, b)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("%s: in place: %v; streamed: %v", what, err1, err2)
		}
		if err1 == nil && (!sameRows(v1, v2) || m1.Checksum != m2.Checksum || m1.Size != m2.Size || m1.Key != m2.Key || m1.Task != m2.Task) {
			t.Fatalf("%s: in place %+v %+v; streamed %+v %+v", what, m1, v1, m2, v2)
		}
	}
	try("intact", full)
	for i := range full {
		b := bytes.Clone(full)
		b[i] ^= 0x04
		try("flipped byte", b)
	}
	for n := range len(full) {
		try("cut short", full[:n])
	}
}

// accept sees the header before anything is decoded, and its error comes
// back as it is, with *v untouched.
func TestInPlaceAcceptRefuses(t *testing.T) {
	ctx := context.Background()
	refuse := errors.New("refused")
	for _, sc := range stores() {
		st := sc.new(t)
		if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t"}, serializer.Msgpack(), []byte("abc"), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		v := []byte("untouched")
		m, err := record.ReadChecked(ctx, st, "k", nil, &v, func(m record.Meta) error { return refuse })
		if err != refuse || string(v) != "untouched" || m.Task != "t" {
			t.Fatalf("%s: err %v, v %q, meta task %q", sc.name, err, v, m.Task)
		}
	}
}

// Memory storage hands its bytes out without copying them; a decoded
// []byte is still the caller's own, and a read allocates little.
func TestMemoryReadInPlace(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	want := bytes.Repeat([]byte("x"), 1024)
	if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t", Labels: map[string]string{"a": "b"}}, nil, want, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []byte
	m, err := record.Read(ctx, st, "k", serializer.Msgpack(), &got)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = 'Y'
	}
	var again []byte
	if _, err := record.Read(ctx, st, "k", serializer.Msgpack(), &again); err != nil || !bytes.Equal(again, want) {
		t.Fatalf("a decoded []byte aliases the store: %v", err)
	}
	if m.Labels["a"] != "b" || m.Task != "t" {
		t.Fatalf("meta %+v", m)
	}
	ser := serializer.Msgpack()
	allocs := testing.AllocsPerRun(100, func() {
		var v []byte
		if _, err := record.Read(ctx, st, "k", ser, &v); err != nil {
			t.Fatal(err)
		}
	})
	// the value, the Verified input, the checksum's text, the header's
	// serializer and labels, the record pointer for reflect
	if allocs > 10 {
		t.Errorf("a 1 KiB read from memory makes %v allocations, want at most 10", allocs)
	}
}

// accept is called once, also for a record the in-place read finds damaged
// after the header (the general path then reports the damage).
func TestInPlaceAcceptOnce(t *testing.T) {
	ctx := context.Background()
	for _, sc := range stores() {
		st := sc.new(t)
		if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t"}, serializer.Msgpack(), []byte("abcdef"), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		rc, err := st.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		b[len(b)-48-1] ^= 1 // the payload's last byte (the trailer is 48 bytes)
		if err := st.Put(ctx, "k", bytes.NewReader(b), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		calls := 0
		var v []byte
		_, err = record.ReadChecked(ctx, st, "k", nil, &v, func(record.Meta) error { calls++; return nil })
		if !errors.Is(err, record.ErrChecksum) || calls != 1 {
			t.Fatalf("%s: err %v, accept called %d times", sc.name, err, calls)
		}
	}
}
