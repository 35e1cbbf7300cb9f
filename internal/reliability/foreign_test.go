package reliability

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The runtime's damaged-or-foreign decision, judged from outside: an
// object at a task's key is replaced only when resultgen can prove it
// wrote it, by an intact header (its CRC covers everything but the binary
// magic) or an intact trailer; anything else makes the run fail with
// runtime.ErrForeignObject and stays as it was.

// runner runs one task, key "r", on a store of its own through a real
// engine: the runtime's lookup, its damaged-or-foreign decision and its
// commit.
type runner struct {
	ctx context.Context
	st  storage.Storage
	inv runtime.Invocation[sample]
	v   sample
}

func newRunner(t *testing.T, ser serializer.Serializer, v sample) *runner {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{settings.Home: dir + "/home", settings.LocalStoragePath: dir + "/local"}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { e.Close() })
	r := &runner{ctx: runtime.WithEngine(context.Background(), e), st: storage.NewMemory(), v: v}
	def := &runtime.Def{Kind: runtime.KindTask, Name: "corrupt", Func: "example.com/r.Corrupt",
		GoType: "reliability.sample", Value: true, Config: runtime.Config{StorageKey: "r"}}
	r.inv = runtime.Invocation[sample]{
		Def:        def,
		Options:    []runtime.Option{runtime.StorageBackend(r.st), runtime.SerializerValue(ser)},
		StorageKey: func(runtime.KeyContext) (string, error) { return "r", nil },
		Body:       func(context.Context) (sample, error) { return v, nil },
	}
	return r
}

// record is the record of ours the runtime writes at the key.
func (r *runner) record(t *testing.T) []byte {
	t.Helper()
	if _, err := runtime.Run(r.ctx, r.inv).Result(); err != nil {
		t.Fatal(err)
	}
	return readAll(t, r.st, "r")
}

// outcome is what one run did with the object at its key.
type outcome int

const (
	replaced outcome = iota // replaced as a damaged record
	kept                    // kept as foreign: the run failed with ErrForeignObject
	broken                  // anything else: counted and reported
)

// judge puts obj at the key, runs the task and checks the run against
// ours (nothing proves that resultgen wrote obj unless ours): a run
// replaces what it can prove its own and nothing else, keeps the rest byte
// for byte, and never returns another value than it computed. zero says
// obj is all zero bytes: the error must say so.
func (r *runner) judge(t *testing.T, what string, obj []byte, ours, zero bool) outcome {
	t.Helper()
	ctx := context.Background()
	if err := r.st.Put(ctx, "r", bytes.NewReader(obj), storage.PutOptions{Size: int64(len(obj))}); err != nil {
		t.Fatal(err)
	}
	st := runtime.Run(r.ctx, r.inv)
	got, err := st.Result()
	after := readAll(t, r.st, "r")
	switch {
	case err == nil:
		if !check(reflect.DeepEqual(got, r.v)) {
			figures.served.Add(1)
			t.Errorf("%s: the run returned %+v", what, got)
		}
		if !check(ours) {
			figures.destroyed.Add(1)
			t.Errorf("%s: replaced (%s) though nothing proves resultgen wrote it: %.60q", what, st.CacheReason(), obj)
		}
		var back sample
		if _, err := record.Read(ctx, r.st, "r", nil, &back); !check(err == nil && reflect.DeepEqual(back, r.v)) {
			t.Errorf("%s: after the run the key holds %v", what, err)
		}
		return replaced
	case errors.Is(err, runtime.ErrForeignObject):
		if !check(bytes.Equal(after, obj)) {
			figures.destroyed.Add(1)
			t.Errorf("%s: the run failed, but the object changed", what)
		}
		if !check(!ours) {
			figures.refused.Add(1)
			t.Errorf("%s: a damaged record of ours kept as foreign: %v", what, err)
		}
		msg := err.Error()
		if !check(strings.Contains(msg, "resultgen results rm -force r") && zero == strings.Contains(msg, "zero")) {
			t.Errorf("%s: the error does not give the fix, or says zero-filled %v, want %v: %v", what, !zero, zero, err)
		}
		return kept
	}
	check(false)
	t.Errorf("%s: %v; want a replaced record or ErrForeignObject", what, err)
	return broken
}

// provable reports whether bad, a damaged copy of the record good, still
// holds what proves resultgen wrote it, as package record documents it: its
// header up to the payload intact (but for the binary magic, behind which
// an intact header is found), or its trailer intact at its end, the object
// its full length.
func provable(t *testing.T, good, bad []byte) bool {
	t.Helper()
	end, from, tsize := headerEnd(t, good), 0, 134
	if bytes.HasPrefix(good, []byte("RGRESULT")) {
		from, tsize = 8, 48
	}
	if len(bad) >= end && bytes.Equal(bad[from:end], good[from:end]) {
		return true
	}
	return len(bad) == len(good) && bytes.Equal(bad[len(bad)-tsize:], good[len(good)-tsize:])
}

// headerEnd is where the payload of the record b starts.
func headerEnd(t *testing.T, b []byte) int {
	t.Helper()
	if bytes.HasPrefix(b, []byte("RGRESULT")) {
		return 14 + int(binary.BigEndian.Uint32(b[10:14])) + 4
	}
	h, err := strconv.Atoi(strings.TrimSpace(string(b[27:34])))
	if !bytes.HasPrefix(b, []byte(`{"resultgen":3,"meta_size":`)) || err != nil {
		t.Fatalf("not a record: %.60q", b)
	}
	return 42 + h + len(`,"meta_crc32c":"12345678","value":`)
}

// TestForeignObjects puts objects that resultgen did not write at a task's
// key: the shapes that once were replaced as truncated records (empty, "R",
// "RGRESULT", a JSON prefix, ...), zero-filled files and random bytes, with
// or without a record's start. Every run must fail with ErrForeignObject
// and leave the object as it was.
func TestForeignObjects(t *testing.T) {
	v := sample{ID: 1, Name: "x"}
	r := newRunner(t, serializer.Msgpack(), v)
	bin := r.record(t)
	doc := newRunner(t, serializer.JSON(), v).record(t)
	type object struct {
		what string
		b    []byte
		zero bool
	}
	objs := []object{
		{"empty", []byte{}, false},
		{"R", []byte("R"), false},
		{"RGRESULT", []byte("RGRESULT"), false},
		{"RGRESULT and garbage", []byte("RGRESULT\x00\x01garbage"), false},
		{`{"resultgen":`, []byte(`{"resultgen":`), false},
		{`{"resultgen":1,"meta_size":`, []byte(`{"resultgen":1,"meta_size":`), false},
		{"json lookalike", []byte(`{"resultgen":1,"meta_size":      2,"meta":{},"meta_crc32c":"00000000","value":1}`), false},
		{"user's json", []byte(`{"resultgen": "x"}`), false},
		{"text", []byte("my own notes\n"), false},
		{"one zero byte", []byte{0}, true},
		{"4 KiB of zeros", make([]byte, 4096), true},
	}
	for i := range *corruptions {
		var b []byte
		switch i % 5 {
		case 0: // random bytes
			b = make([]byte, mrand.IntN(300))
			for j := range b {
				b[j] = byte(mrand.IntN(256))
			}
		case 1: // a record's start, then garbage
			start := [][]byte{bin, doc}[mrand.IntN(2)]
			b = append(bytes.Clone(start[:mrand.IntN(headerEnd(t, start))]), make([]byte, mrand.IntN(64))...)
			for j := len(b) - 1; j >= 0 && b[j] == 0; j-- {
				b[j] = byte(1 + mrand.IntN(255))
			}
		case 2: // a record of ours cut before the end of its header
			start := [][]byte{bin, doc}[mrand.IntN(2)]
			b = bytes.Clone(start[:mrand.IntN(headerEnd(t, start))])
		case 3: // zeros
			objs = append(objs, object{"zeros", make([]byte, 1+mrand.IntN(100_000)), true})
			continue
		case 4: // a record whose header fails its CRC, cut before its trailer
			start := [][]byte{bin, doc}[mrand.IntN(2)]
			end, from := headerEnd(t, start), 42 // the header, after the fixed prefix
			if bytes.HasPrefix(start, []byte("RGRESULT")) {
				from = 14
			}
			b = bytes.Clone(start[:end+mrand.IntN(len(start)-end-1)])
			b[from+mrand.IntN(end-from)] ^= 1 << mrand.IntN(8)
		}
		objs = append(objs, object{fmt.Sprintf("random %d (%d bytes)", i, len(b)), b, false})
	}
	n := 0
	for _, o := range objs {
		if r.judge(t, o.what, o.b, false, o.zero) == kept {
			n++
		}
	}
	row("foreign objects: %d put at a task's key, %d kept (the run failed with ErrForeignObject), %d destroyed", len(objs), n, len(objs)-n)
}
