// Package storagetest is the conformance suite of storage backends. Every
// backend of this module (local, memory, S3) passes it, and a backend of
// your own should too before the runtime trusts records to it: the runtime
// relies on each property checked here (atomic writes, conditional
// commits, key order, refusing hostile keys) to never show a record half
// written, never let two runs both win a key, and never write outside the
// store.
//
// # Running it
//
// Call Run from a test of your backend's package with a function that
// returns a fresh, empty store on each call:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Storage {
//			st, err := mystore.Open(t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// Run calls newStore once per subtest and cleans up nothing itself: close
// or remove what newStore opened with t.Cleanup. Subtests are named after
// the property they check (RoundTrip, IfAbsentConcurrent, HostileKeys,
// ...), so `go test -run 'TestConformance/HostileKeys'` runs one of them.
// A store that wraps another (a key prefix, encryption, metrics) runs it
// over the wrapped store; examples/customstore does so.
//
// # What it checks
//
//   - Put, Get, Stat and Delete round trip bodies of any size (empty,
//     several MiB, of unknown size), and a missing key is
//     storage.ErrNotFound for each (a "folder" of other keys is not an
//     object);
//   - Put is atomic: a Put whose context is cancelled, or whose body fails,
//     leaves nothing behind and does not change the object it would
//     overwrite;
//   - PutOptions.IfAbsent fails with storage.ErrExists when the key is
//     taken, and of 8 concurrent writers exactly one wins;
//   - every key of HostileKeys is refused with storage.ErrInvalidKey by
//     every operation, before anything is written (call
//     storage.ValidateKey, or storage.ValidateObjectKey for operations that
//     also serve index keys, first thing in each method);
//   - List yields keys in byte order, filtered by prefix, stops when the
//     loop breaks, and skips index keys (storage.IndexKey), which are
//     otherwise stored like any object;
//   - optional interfaces, checked only when the store implements them
//     (the subtest is skipped otherwise): storage.RangeGetter (byte
//     ranges), storage.Locker (a held key excludes every other holder,
//     other keys are independent, unlock twice is harmless) and
//     storage.Toucher (the modification time moves forward, body and
//     metadata stay);
//   - metadata given to Put comes back from Stat unchanged, for stores that
//     keep it (the subtest is skipped for stores that return none).
//
// Errors must wrap the storage package's sentinels (errors.Is), as the
// runtime branches on them. The suite takes a few seconds (Touch waits a
// second, as S3 times have a one-second resolution); run your S3-like
// backend against a throw-away server.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
)

// HostileKeys are keys every backend must refuse with storage.ErrInvalidKey
// without writing anything.
var HostileKeys = []string{
	"",
	"../x",
	"/etc/passwd",
	"a/../../b",
	"a/..",
	"..",
	"a\x00b",
	"a//b",
	".",
	"./a",
	"a/./b",
	"a/",
	"a\\b",
	"..\\..\\x",
	"a\nb",
	"\xff\xfe",
	".tmp-123",
	"a/.tmp-x",
	".locks/x",
	string(bytes.Repeat([]byte("k"), storage.MaxKeyLen+1)),
	"a/" + string(bytes.Repeat([]byte("k"), storage.MaxSegmentLen+1)),
}

// Run runs the suite against the stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T) storage.Storage) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Storage)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"IfAbsent", testIfAbsent},
		{"IfAbsentConcurrent", testIfAbsentConcurrent},
		{"HostileKeys", testHostileKeys},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListStopsEarly", testListStopsEarly},
		{"Range", testRange},
		{"Metadata", testMetadata},
		{"CancelledPut", testCancelledPut},
		{"FailedBodyPut", testFailedBodyPut},
		{"Lock", testLock},
		{"IndexKeys", testIndexKeys},
		{"Touch", testTouch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, st storage.Storage, key string, body []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body))}); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return b
}

func keys(t *testing.T, st storage.Storage, prefix string) []string {
	t.Helper()
	out := []string{}
	for info, err := range st.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, info.Key)
	}
	return out
}

func body(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) + seed
	}
	return b
}

func testRoundTrip(t *testing.T, st storage.Storage) {
	for _, tc := range []struct {
		key  string
		body []byte
	}{
		{"hello.txt", []byte("hello, world")},
		{"empty", nil},
		{"deep/er/still/x.msgpack", body(3<<20+17, 1)}, // several copy chunks
		{"spaces and ünïcode/ключ", []byte{0, 1, 2}},
		{"..dots../a..b/.hidden", []byte("dots inside segments are fine")},
		{"long/" + string(bytes.Repeat([]byte("s"), storage.MaxSegmentLen)), []byte("the longest segment is valid in every store")},
	} {
		put(t, st, tc.key, tc.body)
		if got := get(t, st, tc.key); !bytes.Equal(got, tc.body) {
			t.Errorf("Get(%q) returned %d bytes, want the %d put", tc.key, len(got), len(tc.body))
		}
		info, err := st.Stat(context.Background(), tc.key)
		if err != nil {
			t.Fatalf("Stat(%q): %v", tc.key, err)
		}
		if info.Key != tc.key || info.Size != int64(len(tc.body)) || info.Modified.IsZero() {
			t.Errorf("Stat(%q) = key %q size %d modified %v, want key %q size %d and a time", tc.key, info.Key, info.Size, info.Modified, tc.key, len(tc.body))
		}
	}
	// Unknown size streams too.
	if err := st.Put(context.Background(), "unsized", io.MultiReader(bytes.NewReader(body(1000, 2)), bytes.NewReader(body(1000, 3))), storage.PutOptions{Size: -1}); err != nil {
		t.Fatalf("Put with Size -1: %v", err)
	}
	if got := get(t, st, "unsized"); !bytes.Equal(got, append(body(1000, 2), body(1000, 3)...)) {
		t.Error("Put with Size -1 stored other bytes")
	}
}

func testOverwrite(t *testing.T, st storage.Storage) {
	put(t, st, "k", []byte("first, longer body"))
	put(t, st, "k", []byte("second"))
	if got := string(get(t, st, "k")); got != "second" {
		t.Errorf("after overwrite Get = %q", got)
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"k"}) {
		t.Errorf("List after overwrite = %q, want [k]", got)
	}
}

func testNotFound(t *testing.T, st storage.Storage) {
	ctx := context.Background()
	const key = "missing/key"
	if _, err := st.Get(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if _, err := st.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete: %v, want ErrNotFound", err)
	}
	if rg, ok := st.(storage.RangeGetter); ok {
		if _, err := rg.GetRange(ctx, key, 0, 1); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("GetRange: %v, want ErrNotFound", err)
		}
	}
	// A "folder" of other keys is not an object.
	put(t, st, "dir/child", []byte("x"))
	if _, err := st.Stat(ctx, "dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a key prefix: %v, want ErrNotFound", err)
	}
	if _, err := st.Get(ctx, "dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of a key prefix: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete of a key prefix: %v, want ErrNotFound", err)
	}
	if got := get(t, st, "dir/child"); string(got) != "x" {
		t.Errorf("child changed: %q", got)
	}
}

func testDelete(t *testing.T, st storage.Storage) {
	put(t, st, "a/1", []byte("1"))
	put(t, st, "a/2", []byte("2"))
	if err := st.Delete(context.Background(), "a/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(context.Background(), "a/1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"a/2"}) {
		t.Errorf("List after Delete = %q", got)
	}
}

func testIfAbsent(t *testing.T, st storage.Storage) {
	ctx := context.Background()
	if err := st.Put(ctx, "once", bytes.NewReader([]byte("first")), storage.PutOptions{IfAbsent: true, Size: 5}); err != nil {
		t.Fatalf("first IfAbsent Put: %v", err)
	}
	err := st.Put(ctx, "once", bytes.NewReader([]byte("second")), storage.PutOptions{IfAbsent: true, Size: 6})
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second IfAbsent Put: %v, want ErrExists", err)
	}
	if got := string(get(t, st, "once")); got != "first" {
		t.Errorf("IfAbsent loser changed the object: %q", got)
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"once"}) {
		t.Errorf("losing IfAbsent Put left objects behind: %q", got)
	}
}

func testIfAbsentConcurrent(t *testing.T, st storage.Storage) {
	const writers = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []int
		others  []error
	)
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			b := body(64<<10, byte(i))
			err := st.Put(context.Background(), "race/key", bytes.NewReader(b), storage.PutOptions{IfAbsent: true, Size: int64(len(b))})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, i)
			case !errors.Is(err, storage.ErrExists):
				others = append(others, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("IfAbsent writers failed other than with ErrExists: %v", others)
	}
	if len(winners) != 1 {
		t.Fatalf("%d IfAbsent writers won, want exactly 1", len(winners))
	}
	if got := get(t, st, "race/key"); !bytes.Equal(got, body(64<<10, byte(winners[0]))) {
		t.Error("the stored object is not the winner's body")
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"race/key"}) {
		t.Errorf("List after the race = %q", got)
	}
}

func testHostileKeys(t *testing.T, st storage.Storage) {
	ctx := context.Background()
	put(t, st, "keep", []byte("keep"))
	for _, key := range HostileKeys {
		name := fmt.Sprintf("%.40q", key)
		check := func(method string, err error) {
			t.Helper()
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("%s(%s): %v, want ErrInvalidKey", method, name, err)
			}
		}
		check("Put", st.Put(ctx, key, bytes.NewReader([]byte("evil")), storage.PutOptions{Size: 4}))
		check("Put IfAbsent", st.Put(ctx, key, bytes.NewReader([]byte("evil")), storage.PutOptions{Size: 4, IfAbsent: true}))
		rc, err := st.Get(ctx, key)
		if rc != nil {
			rc.Close()
		}
		check("Get", err)
		_, err = st.Stat(ctx, key)
		check("Stat", err)
		check("Delete", st.Delete(ctx, key))
		if rg, ok := st.(storage.RangeGetter); ok {
			rc, err := rg.GetRange(ctx, key, 0, -1)
			if rc != nil {
				rc.Close()
			}
			check("GetRange", err)
		}
		if lk, ok := st.(storage.Locker); ok {
			unlock, err := lk.Lock(ctx, key, time.Minute)
			if unlock != nil {
				_ = unlock()
			}
			check("Lock", err)
		}
		if storage.ValidatePrefix(key) != nil {
			var err error
			for _, e := range st.List(ctx, key) {
				if e != nil {
					err = e
					break
				}
			}
			check("List", err)
		}
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("hostile keys left objects behind: List = %q", got)
	}
}

var listKeys = []string{
	"a.txt", "a/b", "a/c/d", "a0", "b", "reports/2026/q1", "reports/2026/q2", "reports/x", "z-last",
}

func testListOrder(t *testing.T, st storage.Storage) {
	// Put in reverse so that insertion order cannot pass for key order.
	for _, k := range slices.Backward(listKeys) {
		put(t, st, k, []byte(k))
	}
	want := slices.Sorted(slices.Values(listKeys))
	if got := keys(t, st, ""); !slices.Equal(got, want) {
		t.Errorf("List(\"\") = %q\nwant          %q", got, want)
	}
	for info, err := range st.List(context.Background(), "a/c/") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != "a/c/d" || info.Size != int64(len("a/c/d")) {
			t.Errorf("List(a/c/) yielded %+v", info)
		}
	}
}

func testListPrefix(t *testing.T, st storage.Storage) {
	for _, k := range listKeys {
		put(t, st, k, []byte(k))
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"a", []string{"a.txt", "a/b", "a/c/d", "a0"}},
		{"a/", []string{"a/b", "a/c/d"}},
		{"reports/", []string{"reports/2026/q1", "reports/2026/q2", "reports/x"}},
		{"reports/2026/q", []string{"reports/2026/q1", "reports/2026/q2"}},
		{"reports/2026/q2", []string{"reports/2026/q2"}},
		{"reports/20", []string{"reports/2026/q1", "reports/2026/q2"}},
		{"nothing", []string{}},
		{"nothing/here/", []string{}},
	} {
		if got := keys(t, st, tc.prefix); !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

func testListStopsEarly(t *testing.T, st storage.Storage) {
	for _, k := range listKeys {
		put(t, st, k, []byte(k))
	}
	n := 0
	for _, err := range st.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("iterated %d, want 2", n)
	}
}

func testRange(t *testing.T, st storage.Storage) {
	rg, ok := st.(storage.RangeGetter)
	if !ok {
		t.Skip("store is not a RangeGetter")
	}
	b := body(100_000, 7)
	put(t, st, "r/obj", b)
	for _, tc := range []struct {
		off, n int64
		want   []byte
	}{
		{0, 10, b[:10]},
		{99_952, 48, b[99_952:]},
		{500, -1, b[500:]},
		{99_990, 100, b[99_990:]}, // cut at the end
		{0, -1, b},
		{12_345, 0, []byte{}},
	} {
		rc, err := rg.GetRange(context.Background(), "r/obj", tc.off, tc.n)
		if err != nil {
			t.Fatalf("GetRange(%d, %d): %v", tc.off, tc.n, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("GetRange(%d, %d): read: %v", tc.off, tc.n, err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("GetRange(%d, %d) returned %d bytes, want %d", tc.off, tc.n, len(got), len(tc.want))
		}
	}
}

func testMetadata(t *testing.T, st storage.Storage) {
	meta := map[string]string{
		"resultgen-version": "1",
		"resultgen-task":    "say%20hello",
		"resultgen-type":    "[]example.com/app.Row",
	}
	err := st.Put(context.Background(), "m/obj", bytes.NewReader([]byte("x")), storage.PutOptions{Size: 1, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(context.Background(), "m/obj")
	if err != nil {
		t.Fatal(err)
	}
	if info.Metadata == nil {
		t.Skip("store does not keep metadata")
	}
	if !maps.Equal(info.Metadata, meta) {
		t.Errorf("Stat metadata = %v, want %v", info.Metadata, meta)
	}
	for l, err := range st.List(context.Background(), "m/") {
		if err != nil {
			t.Fatal(err)
		}
		if l.Metadata != nil && !maps.Equal(l.Metadata, meta) {
			t.Errorf("List metadata = %v, want %v", l.Metadata, meta)
		}
	}
}

// testIndexKeys: an index key (storage.IndexKey) is stored, read and
// removed like any object, but never listed, and is no valid record key.
func testIndexKeys(t *testing.T, st storage.Storage) {
	ctx := context.Background()
	k := storage.IndexKey("0123abcd")
	put(t, st, k, []byte("idx"))
	put(t, st, "rec", []byte("r"))
	if got := get(t, st, k); string(got) != "idx" {
		t.Errorf("Get(%s) = %q", k, got)
	}
	if _, err := st.Stat(ctx, k); err != nil {
		t.Errorf("Stat(%s): %v", k, err)
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"rec"}) {
		t.Errorf("List = %q, want only the record", got)
	}
	if err := st.Delete(ctx, k); err != nil {
		t.Errorf("Delete(%s): %v", k, err)
	}
	if err := storage.ValidateKey(k); err == nil {
		t.Errorf("ValidateKey(%s) = nil", k)
	}
}

// testTouch: a Toucher moves the object's modification time forward
// without changing its body or metadata.
func testTouch(t *testing.T, st storage.Storage) {
	tc, ok := st.(storage.Toucher)
	if !ok {
		t.Skip("store does not implement Toucher")
	}
	ctx := context.Background()
	meta := map[string]string{"resultgen-version": "1", "resultgen-task": "t"}
	if err := st.Put(ctx, "touch/obj", bytes.NewReader([]byte("body")), storage.PutOptions{Size: 4, Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	before, err := st.Stat(ctx, "touch/obj")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // S3 times have a one-second resolution
	if err := tc.Touch(ctx, "touch/obj", time.Now()); err != nil {
		t.Fatal(err)
	}
	after, err := st.Stat(ctx, "touch/obj")
	if err != nil {
		t.Fatal(err)
	}
	if !after.Modified.After(before.Modified) {
		t.Errorf("Modified %v -> %v: not moved forward", before.Modified, after.Modified)
	}
	if before.Metadata != nil && !maps.Equal(after.Metadata, before.Metadata) {
		t.Errorf("metadata %v -> %v", before.Metadata, after.Metadata)
	}
	if got := get(t, st, "touch/obj"); string(got) != "body" {
		t.Errorf("body %q after Touch", got)
	}
	if err := tc.Touch(ctx, "touch/none", time.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Touch of a missing key: %v, want ErrNotFound", err)
	}
}

// cancelReader cancels its context after the first chunk and then keeps
// producing data, so a Put that ignores its context would commit.
type cancelReader struct {
	cancel func()
	reads  int
}

func (r *cancelReader) Read(p []byte) (int, error) {
	r.reads++
	switch {
	case r.reads == 2:
		r.cancel()
	case r.reads > 64:
		return 0, io.EOF
	}
	n := min(len(p), 1024)
	for i := range n {
		p[i] = 'x'
	}
	return n, nil
}

func testCancelledPut(t *testing.T, st storage.Storage) {
	put(t, st, "keep", []byte("old"))
	for _, key := range []string{"cancelled/new", "keep"} {
		ctx, cancel := context.WithCancel(context.Background())
		err := st.Put(ctx, key, &cancelReader{cancel: cancel}, storage.PutOptions{Size: -1})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put(%q) with a context cancelled mid-body: %v, want context.Canceled", key, err)
		}
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("cancelled Put left objects: List = %q", got)
	}
	if got := string(get(t, st, "keep")); got != "old" {
		t.Errorf("cancelled overwrite changed the object: %q", got)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		return 0, errBody
	}
	r.n++
	return copy(p, "partial"), nil
}

var errBody = errors.New("body failed")

func testFailedBodyPut(t *testing.T, st storage.Storage) {
	put(t, st, "keep", []byte("old"))
	for _, key := range []string{"failed/new", "keep"} {
		err := st.Put(context.Background(), key, &failingReader{}, storage.PutOptions{Size: -1})
		if !errors.Is(err, errBody) {
			t.Errorf("Put(%q) with a failing body: %v, want the body's error", key, err)
		}
	}
	if got := keys(t, st, ""); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("failed Put left objects: List = %q", got)
	}
	if got := string(get(t, st, "keep")); got != "old" {
		t.Errorf("failed overwrite changed the object: %q", got)
	}
}

func testLock(t *testing.T, st storage.Storage) {
	lk, ok := st.(storage.Locker)
	if !ok {
		t.Skip("store is not a Locker")
	}
	ctx := context.Background()
	unlock, err := lk.Lock(ctx, "locked/key", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// While held, another Lock of the key waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	u2, err := lk.Lock(short, "locked/key", time.Minute)
	cancel()
	if err == nil {
		_ = u2()
		t.Fatal("a held lock was taken twice")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting Lock: %v, want context.DeadlineExceeded", err)
	}
	// Other keys are independent.
	u3, err := lk.Lock(ctx, "other/key", time.Minute)
	if err != nil {
		t.Fatalf("Lock of another key: %v", err)
	}
	if err := u3(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}

	// Holders exclude each other: an unsynchronized read-modify-write under
	// the lock loses no update (and -race sees the lock's ordering).
	counter := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				u, err := lk.Lock(ctx, "locked/key", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				v := counter
				time.Sleep(time.Microsecond)
				counter = v + 1
				if err := u(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if counter != 40 {
		t.Errorf("counter = %d after 40 locked increments", counter)
	}
	if got := keys(t, st, ""); len(got) != 0 {
		t.Errorf("locks are listed as objects: %q", got)
	}
}
