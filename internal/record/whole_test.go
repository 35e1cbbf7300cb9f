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
		m, err := record.ReadChecked(ctx, st, "k", nil, &v, func(*record.Meta) error { return refuse })
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
		_, err = record.ReadChecked(ctx, st, "k", nil, &v, func(*record.Meta) error { calls++; return nil })
		if !errors.Is(err, record.ErrChecksum) || calls != 1 {
			t.Fatalf("%s: err %v, accept called %d times", sc.name, err, calls)
		}
	}
}

// A value whose type holds no references, read from memory storage, is
// decoded once and copied out on later reads: every read gives the value
// written, whatever an earlier reader did with its copy, and a later read
// allocates nothing for a string. A value with references ([]string, a
// struct with a map) is decoded on every read, so a caller's changes never
// reach the next. A value read into a non-zero destination is decoded as
// ever (a serializer may merge into it), and a sealed record is never
// kept decoded.
func TestMemoryKeepsPlainValues(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	type point struct {
		X, Y  int
		Label string
		Tags  [2]string
	}
	type withMap struct {
		N int
		M map[string]int
	}
	write := func(key string, v any) {
		t.Helper()
		if _, err := record.Write(ctx, st, key, record.Meta{Task: "t"}, serializer.Msgpack(), v, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	str := string(bytes.Repeat([]byte("s"), 1024))
	write("str", str)
	write("point", point{1, 2, "p", [2]string{"a", "b"}})
	write("arr", [3]int{1, 2, 3})
	write("slice", []string{"a", "b"})
	write("map", withMap{N: 1, M: map[string]int{"a": 1}})
	for range 3 {
		var s string
		if _, err := record.ReadChecked(ctx, st, "str", nil, &s, nil); err != nil || s != str {
			t.Fatalf("str: %.10q, %v", s, err)
		}
		var p point
		if _, err := record.ReadChecked(ctx, st, "point", nil, &p, nil); err != nil || p != (point{1, 2, "p", [2]string{"a", "b"}}) {
			t.Fatalf("point: %+v, %v", p, err)
		}
		p.X, p.Tags[0] = 9, "changed"
		var a [3]int
		if _, err := record.ReadChecked(ctx, st, "arr", nil, &a, nil); err != nil || a != [3]int{1, 2, 3} {
			t.Fatalf("arr: %v, %v", a, err)
		}
		a[0] = 9
		var sl []string
		if _, err := record.ReadChecked(ctx, st, "slice", nil, &sl, nil); err != nil || len(sl) != 2 || sl[0] != "a" {
			t.Fatalf("slice: %v, %v", sl, err)
		}
		sl[0] = "changed"
		var m withMap
		if _, err := record.ReadChecked(ctx, st, "map", nil, &m, nil); err != nil || m.N != 1 || m.M["a"] != 1 || len(m.M) != 1 {
			t.Fatalf("map: %+v, %v", m, err)
		}
		m.M["b"], m.M["a"] = 2, 9
	}
	// into a non-zero destination: what the serializer makes of it
	p := point{X: 5}
	if _, err := record.ReadChecked(ctx, st, "point", nil, &p, nil); err != nil || p != (point{1, 2, "p", [2]string{"a", "b"}}) {
		t.Fatalf("point into a non-zero destination: %+v, %v", p, err)
	}
	// sealed: read with the key, then without it, the value is refused
	sealing := record.WithSealing(ctx, keyring(t, "k1:"+testKey(1)))
	if _, err := record.Write(sealing, st, "sealed", record.Meta{Task: "t"}, serializer.Msgpack(), "secret", storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var sv string
	if _, err := record.ReadChecked(sealing, st, "sealed", nil, &sv, nil); err != nil || sv != "secret" {
		t.Fatalf("sealed: %q, %v", sv, err)
	}
	sv = ""
	if _, err := record.ReadChecked(ctx, st, "sealed", nil, &sv, nil); !errors.Is(err, record.ErrKeyMissing) || sv != "" {
		t.Fatalf("sealed, read without its key: %q, %v; want ErrKeyMissing", sv, err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		var s string
		if _, err := record.ReadChecked(ctx, st, "str", nil, &s, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("a read of a kept 1 KiB string makes %v allocations; want it copied out, not decoded", allocs)
	}
}
