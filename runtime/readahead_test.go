package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// getCounter counts the GETs of object bodies an S3 store sends, and the
// most it had in flight at once.
type getCounter struct {
	base                  http.RoundTripper
	gets, inflight, lists atomic.Int64
	mu                    sync.Mutex
	most                  int64
}

func (c *getCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
		c.lists.Add(1)
	}
	if r.Method != http.MethodGet || r.URL.RawQuery != "" { // a listing or a bucket query
		return c.base.RoundTrip(r)
	}
	c.gets.Add(1)
	n := c.inflight.Add(1)
	c.mu.Lock()
	c.most = max(c.most, n)
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(r)
	c.inflight.Add(-1)
	return resp, err
}

func (c *getCounter) reset() (gets, most int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gets, most = c.gets.Swap(0), c.most
	c.most = 0
	return gets, most
}

// aheadStore opens an S3 store under prefix "p" of a new bucket of the
// test MinIO, reading ahead 4 GETs at a time, whose requests counter
// counts.
func aheadStore(t *testing.T) (s3test.Server, string, *s3.Storage, *getCounter) {
	t.Helper()
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	base, err := minio.DefaultTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	counter := &getCounter{base: base}
	st, err := s3.Open(context.Background(), s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: srv.Creds(), MaxRetries: 1, Transport: counter, ReadAhead: 4})
	if err != nil {
		t.Fatal(err)
	}
	return srv, bucket, st, counter
}

// stepsFlow is a generated-like flow steps(n) whose body calls the task
// step(i), keyed on its inputs and code (no run id), for each i of
// *list: what the body calls can change between runs with the same
// parameter, as a flow that reads a file would.
type stepsFlow struct {
	list  *[]int
	calls *atomic.Int64
}

var (
	stepDef  = &runtime.Def{Kind: runtime.KindTask, Name: "step", Func: "example.com/app.Step", Source: "sha256:step", Params: []string{"i"}, GoType: "string", Value: true, Config: runtime.Config{CachePolicy: "inputs+task_source"}}
	stepsDef = &runtime.Def{Kind: runtime.KindFlow, Name: "steps", Func: "example.com/app.Steps", Source: "sha256:steps", Params: []string{"n"}, GoType: "string", Value: true, Config: runtime.Config{Storage: "s3/ahead"}}
)

func stepValue(i int) string { return fmt.Sprintf("step %d: %s", i, strings.Repeat("x", 1000)) }

func (f stepsFlow) step(ctx context.Context, i int) *runtime.State[string] {
	return runtime.Run(ctx, runtime.Invocation[string]{
		Def:    stepDef,
		Inputs: func(h *runtime.Hasher) error { h.Param("i"); h.Int(int64(i)); return nil },
		Body:   func(context.Context) (string, error) { f.calls.Add(1); return stepValue(i), nil },
	})
}

// run runs the flow; it returns the keys of the steps in the order called.
func (f stepsFlow) run(ctx context.Context, opts ...runtime.Option) ([]string, error) {
	var keys []string
	_, err := runtime.Run(ctx, runtime.Invocation[string]{
		Def:     stepsDef,
		Options: opts,
		Inputs:  func(h *runtime.Hasher) error { h.Param("n"); h.Int(1); return nil },
		Body: func(ctx context.Context) (string, error) {
			for _, i := range *f.list {
				st := f.step(ctx, i)
				v, err := st.Result()
				if err != nil {
					return "", err
				}
				if v != stepValue(i) {
					return "", fmt.Errorf("step %d returned %.20q", i, v)
				}
				keys = append(keys, st.Key())
			}
			return "done", nil
		},
	}).Result()
	return keys, err
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// A flow run on S3 reads ahead, in parallel, the records the last run of
// the flow with the same code and parameters used; what it serves is
// what a direct read would: a damaged record read ahead is replaced, a
// foreign object fails the run as ever and is left as it is, objects
// resultgen did not write under the prefix (and a steps index listing
// them, or a damaged index) change nothing, and a run that calls other
// steps than the last one gets them right and leaves its own list.
func TestReadAheadS3(t *testing.T) {
	srv, bucket, st, counter := aheadStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := srv.Client(t)
	put := func(key string, b []byte) {
		t.Helper()
		if _, err := admin.PutObject(ctx, bucket, "p/"+key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(key string) []byte {
		t.Helper()
		o, err := admin.GetObject(ctx, bucket, "p/"+key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		b, err := io.ReadAll(o)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		return b
	}
	indexKey := func() string {
		t.Helper()
		var keys []string
		for oi := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "p/.index/steps-", Recursive: true}) {
			if oi.Err != nil {
				t.Fatal(oi.Err)
			}
			keys = append(keys, strings.TrimPrefix(oi.Key, "p/"))
		}
		if len(keys) != 1 {
			t.Fatalf("steps index objects %v; want one", keys)
		}
		return keys[0]
	}
	// Objects resultgen did not write, under the prefix: kept as they are.
	notes := []byte("a user's notes, not a record")
	put("notes.txt", notes)

	cctx, e, _ := newEngine(t, nil)
	e.RegisterStorage("s3/ahead", st)
	list := seq(0, 20)
	f := stepsFlow{list: &list, calls: new(atomic.Int64)}
	runOK := func(what string, wantCalls int64) []string {
		t.Helper()
		before := f.calls.Load()
		keys, err := f.run(cctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := f.calls.Load() - before; got != wantCalls {
			t.Fatalf("%s: %d step bodies ran, want %d", what, got, wantCalls)
		}
		return keys
	}

	keys := runOK("first run", 20)
	idx := indexKey()
	if _, most := counter.reset(); most > 1 {
		t.Errorf("first run: %d GETs at once; nothing should be read ahead without an index", most)
	}
	counter.lists.Store(0)
	runOK("re-run", 0)
	if gets, _ := counter.reset(); gets != 1 || counter.lists.Load() != 1 {
		t.Errorf("re-run: %d GETs and %d listings; want one GET (the steps index, which packs the 20 records) and one listing (that checks them)", gets, counter.lists.Load())
	}

	// A packed record whose key no longer holds it is not served from the
	// pack: removed, its step runs again; replaced by another valid
	// record of the key (a re-run's), that record is served.
	if err := admin.RemoveObject(ctx, bucket, "p/"+keys[7], minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	runOK("removed record", 1)
	if gets, _ := counter.reset(); gets != 2 {
		t.Errorf("removed record: %d GETs; want 2, the steps index and the step's own lookup (a miss)", gets)
	}
	runOK("after the removed record", 0)
	if gets, _ := counter.reset(); gets != 1 {
		t.Errorf("after the removed record: %d GETs; want the steps index only (the pack the last run wrote holds the record written again)", gets)
	}
	// A damaged pack: the damaged record is read by GET, the others come
	// from the pack, and the run is right.
	packed := get(idx)
	nl := bytes.IndexByte(packed, '\n')
	if nl < 0 {
		t.Fatalf("steps index %.80q holds no pack", packed)
	}
	damaged := bytes.Clone(packed)
	damaged[nl+1+100] ^= 0xff // in the first packed record
	put(idx, damaged)
	runOK("damaged pack", 0)
	if gets, _ := counter.reset(); gets != 2 {
		t.Errorf("damaged pack: %d GETs; want 2, the steps index and the record the pack damaged", gets)
	}
	put(idx, packed)

	// A damaged record read ahead is not served: the step runs again and
	// its record is replaced.
	rec := get(keys[3])
	bad := bytes.Clone(rec)
	bad[len(bad)/2] ^= 0xff
	put(keys[3], bad)
	runOK("damaged record", 1)
	if got := get(keys[3]); bytes.Equal(got, bad) {
		t.Errorf("the damaged record is still there")
	}

	// A foreign object at a step's key fails the run, as without reading
	// ahead, and stays.
	alien := []byte("not a record: someone else's object")
	saved := get(keys[5])
	put(keys[5], alien)
	if _, err := f.run(cctx); !errors.Is(err, runtime.ErrForeignObject) {
		t.Fatalf("foreign object at a step's key: %v; want ErrForeignObject", err)
	}
	if got := get(keys[5]); !bytes.Equal(got, alien) {
		t.Errorf("the foreign object changed to %.60q", got)
	}
	put(keys[5], saved)

	// Steps removed and added: the new ones run, the kept ones are read;
	// the index follows the run.
	list = append(seq(0, 10), seq(30, 40)...)
	runOK("steps removed and added", 10)
	counter.reset()
	runOK("the new steps again", 0)
	if gets, _ := counter.reset(); gets != 1 {
		t.Errorf("after the change: %d GETs; want the steps index only, packing the new list", gets)
	}

	// An index that lists objects resultgen did not write (as a hand-made
	// one could): they are read ahead, never served, and left as they are.
	// A pack holding a copy of the user's object for it: never served.
	var index map[string]any
	js, pack, _ := bytes.Cut(get(idx), []byte("\n"))
	if err := json.Unmarshal(js, &index); err != nil {
		t.Fatalf("steps index: %v", err)
	}
	index["keys"] = append([]any{"notes.txt"}, index["keys"].([]any)...)
	index["sizes"] = append([]any{len(notes)}, index["sizes"].([]any)...)
	b, _ := json.Marshal(index)
	put(idx, slices.Concat(b, []byte("\n"), notes, pack))
	runOK("index listing a foreign object", 0)
	// An index without a pack (as resultgen wrote before packs, format
	// v1): its records are read ahead by GET, in parallel, and the run
	// writes the pack.
	index["format"] = "resultgen-steps/v1"
	delete(index, "sizes")
	b, _ = json.Marshal(index)
	put(idx, b)
	counter.reset()
	runOK("index without a pack", 0)
	if gets, most := counter.reset(); most < 2 || gets < 20 {
		t.Errorf("index without a pack: %d GETs, at most %d at once; want the 20 records read ahead in parallel", gets, most)
	}
	runOK("after the index without a pack", 0)
	// (a record its task read before the GETs ahead reached it is not in
	// the pack, and is read by GET again)
	if gets, _ := counter.reset(); gets > 4 {
		t.Errorf("after the index without a pack: %d GETs; want the steps index and at most 3 records: the index packs the others now", gets)
	}
	// A damaged index: nothing is read ahead, the run is right.
	put(idx, []byte("{not json"))
	counter.reset()
	runOK("damaged index", 0)
	if _, most := counter.reset(); most > 1 {
		t.Errorf("damaged index: %d GETs at once; want none read ahead", most)
	}
	if got := get("notes.txt"); !bytes.Equal(got, notes) {
		t.Errorf("notes.txt changed to %.60q", got)
	}
	// The listing shows the records and the user's object, not the index.
	var listed []string
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, info.Key)
	}
	for _, k := range listed {
		if storage.IsIndexKey(k) || strings.HasPrefix(k, ".index") {
			t.Errorf("List shows the index object %s", k)
		}
	}
}

// On local storage a read is no round trip: nothing is read ahead, and no
// steps index is written.
func TestNoReadAheadLocal(t *testing.T) {
	ctx, e, _ := newEngine(t, nil)
	dir := t.TempDir()
	e.RegisterStorage("s3/ahead", localStore(t, dir))
	list := seq(0, 3)
	f := stepsFlow{list: &list, calls: new(atomic.Int64)}
	for range 2 {
		if _, err := f.run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d step bodies ran in two runs, want 3", n)
	}
	steps, _ := filepath.Glob(filepath.Join(dir, ".index", "steps-*"))
	if len(steps) != 0 {
		t.Errorf("steps index on local storage: %v", steps)
	}
}

// A steps pack in a folder crowded with other objects: the listing that
// checks it stops after the pack's size plus 1,000 objects (past that,
// GETs cost the server less), and the records it did not reach are read
// ahead by GET; the run is right and the other objects stay.
func TestReadAheadPackCrowded(t *testing.T) {
	srv, bucket, st, counter := aheadStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cctx, e, _ := newEngine(t, nil)
	e.RegisterStorage("s3/ahead", st)
	list := seq(0, 20)
	f := stepsFlow{list: &list, calls: new(atomic.Int64)}
	if _, err := f.run(cctx); err != nil {
		t.Fatal(err)
	}
	// 1,030 objects that sort before every record's key ("00-" < "000")
	admin := srv.Client(t)
	var wg sync.WaitGroup
	names := make(chan string)
	for range 16 {
		wg.Go(func() {
			for name := range names {
				if _, err := admin.PutObject(ctx, bucket, name, strings.NewReader("other"), 5, minio.PutObjectOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range 1030 {
		names <- fmt.Sprintf("p/00-other-%04d", i)
	}
	close(names)
	wg.Wait()
	counter.reset()
	counter.lists.Store(0)
	if _, err := f.run(cctx); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 20 {
		t.Errorf("%d step bodies ran in two runs, want 20", n)
	}
	gets, _ := counter.reset()
	if lists := counter.lists.Load(); lists > 2 || gets < 21 {
		t.Errorf("%d listings and %d GETs; want the listing cut after its second page, and the 20 records read by GET", lists, gets)
	}
	n := 0
	for oi := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "p/00-other-"}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		n++
	}
	if n != 1030 {
		t.Errorf("%d of the 1,030 other objects left", n)
	}
}
