package storage

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
)

// TestFlushBehindRanges checks the ranges whose device writes a Put starts
// as it writes: they follow each other with no gap and no overlap, each
// holds at least flushEvery bytes, the tail shorter than that is left to
// the fsync, and the file holds exactly what was written.
func TestFlushBehindRanges(t *testing.T) {
	for _, piece := range []int{256 << 10, 3 << 20, 5<<20 + 7} {
		f, err := os.Create(filepath.Join(t.TempDir(), "f"))
		if err != nil {
			t.Fatal(err)
		}
		type span struct{ off, n int64 }
		var got []span
		w := &flushBehind{f: f, start: func(off, n int64) bool { got = append(got, span{off, n}); return true }}
		want := bytes.Repeat([]byte("0123456789abcdef"), (21<<20+100)/16)
		for p := want; len(p) > 0; {
			n, err := w.Write(p[:min(len(p), piece)])
			if err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		var next int64
		for _, s := range got {
			if s.off != next || s.n < flushEvery {
				t.Fatalf("pieces of %d: ranges %v: want consecutive ranges of at least %d bytes", piece, got, flushEvery)
			}
			next = s.off + s.n
		}
		if tail := int64(len(want)) - next; tail < 0 || tail >= flushEvery+int64(piece) {
			t.Errorf("pieces of %d: ranges %v end %d bytes before the end", piece, got, tail)
		}
		if b, err := os.ReadFile(f.Name()); err != nil || !bytes.Equal(b, want) {
			t.Errorf("pieces of %d: the file differs from what was written (%d bytes, %v)", piece, len(b), err)
		}
	}
}

// TestFlushBehindStopsAsking checks that a system refusing the call is
// asked once: the writes go on, and the fsync writes everything.
func TestFlushBehindStopsAsking(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	calls := 0
	w := &flushBehind{f: f, start: func(int64, int64) bool { calls++; return false }}
	for range 5 {
		if _, err := w.Write(make([]byte, flushEvery)); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("start called %d times after refusing, want once", calls)
	}
}

// TestPutStartsWritebackOnLinux checks, on this machine's file system,
// that the kernel accepts the call, and that a Put of a record larger
// than flushEvery, through the local store, reads back whole.
func TestPutStartsWritebackOnLinux(t *testing.T) {
	dir := t.TempDir()
	if goruntime.GOOS == "linux" {
		f, err := os.Create(filepath.Join(dir, "probe"))
		if err != nil {
			t.Fatal(err)
		}
		start := startWriteback(f)
		if _, err := f.Write(make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		if start == nil || !start(0, 1<<20) {
			t.Errorf("sync_file_range refused on %s: large records wait for their fsync to start writing", dir)
		}
		f.Close()
	}
	st, err := NewLocal(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("resultgen "), (3*flushEvery+12345)/10)
	ctx := context.Background()
	if err := st.Put(ctx, "big.bin", bytes.NewReader(want), PutOptions{Size: -1, IfAbsent: true}); err != nil {
		t.Fatal(err)
	}
	rc, err := st.Get(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes (%v), want the %d put", len(got), err, len(want))
	}
}
