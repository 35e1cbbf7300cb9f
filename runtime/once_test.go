package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// recorder is a slog handler that keeps every record, at every level.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// text is the record as a text handler writes it.
func text(rec slog.Record) string {
	var b bytes.Buffer
	_ = slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}).Handle(context.Background(), rec)
	return strings.TrimSpace(b.String())
}

// A flow whose task meets a foreign file at its key reports the failure
// once: the error it returns names the task, the key once and the fix; no
// log record at WARN or above carries it (DESIGN.md: the runtime reports
// an error once, by returning it). At DEBUG the failed runs' lines are
// there.
func TestForeignFileReportedOnce(t *testing.T) {
	rec := &recorder{}
	ctx, _, local := newEngine(t, nil, runtime.WithLogger(slog.New(rec)))
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	const key = "hello-greet.json"
	if err := os.WriteFile(filepath.Join(local, key), []byte("my own notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hello := helloTask{calls: new(atomic.Int64)}
	flow := newTask(flowDef("greet", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		_, err := hello.State(ctx, "greet").Result()
		return runtime.Void{}, err
	})
	_, err := flow.Call(ctx)
	if !errors.Is(err, runtime.ErrForeignObject) {
		t.Fatalf("flow: %v; want ErrForeignObject", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "task hello_world: ") {
		t.Errorf("the error does not start with the task: %s", msg)
	}
	if n := strings.Count(msg, key); n != 1 {
		t.Errorf("the error names the key %d times, want once: %s", n, msg)
	}
	if fix := "resultgen results rm -force " + key + " -storage local:" + local; !strings.Contains(msg, fix) {
		t.Errorf("the error lacks the fix %q: %s", fix, msg)
	}
	if n := strings.Count(msg, "local:"+local); n != 1 {
		t.Errorf("the error names the store %d times, want once: %s", n, msg)
	}
	if hello.calls.Load() != 0 {
		t.Error("the task's body ran over a foreign file")
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	failed := 0
	for _, r := range rec.recs {
		line := text(r)
		if r.Level >= slog.LevelWarn {
			t.Errorf("a record at %s: %s", r.Level, line)
		}
		if strings.Contains(line, "not a resultgen record") {
			failed++
			if r.Level != slog.LevelDebug {
				t.Errorf("the failure logged at %s, want DEBUG: %s", r.Level, line)
			}
		}
	}
	if failed != 2 { // the task's Failed line and the flow's
		t.Errorf("%d DEBUG records carry the failure, want the task's and the flow's Failed lines", failed)
	}
}

// A result read back from a store where it is gone says each thing once:
// whose result, the store, the operation with the key, and "not found";
// errors.Is still finds storage.ErrNotFound. The same through a task whose
// value lives in storage only (cache_in_memory=false), on local, memory
// and S3 stores.
func TestNotFoundChainSaysEachThingOnce(t *testing.T) {
	local, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]storage.Storage{"local": local, "memory": storage.NewMemory()}
	if os.Getenv(s3test.EnvEndpoint) != "" {
		srv := s3test.Shared(t)
		bucket := srv.NewBucket(t, s3test.BucketOptions{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
			Insecure: true, Credentials: srv.Creds(), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		stores["s3"] = st
	}
	once := func(t *testing.T, err error, st storage.Storage, key string) string {
		t.Helper()
		if !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("%v; want storage.ErrNotFound", err)
		}
		msg := err.Error()
		for _, part := range []string{`"` + key + `"`, "not found", st.String()} {
			if n := strings.Count(msg, part); n != 1 {
				t.Errorf("%q appears %d times, want once: %s", part, n, msg)
			}
		}
		if strings.Contains(msg, "storage:") || strings.Contains(msg, "record ") {
			t.Errorf("a layer repeats itself: %s", msg)
		}
		return msg
	}
	for name, st := range stores {
		t.Run(name, func(t *testing.T) {
			_, err := runtime.Reference[string](st, "nope.json").Get(context.Background())
			msg := once(t, err, st, "nope.json")
			if !strings.HasPrefix(msg, "read result from "+st.String()+": ") {
				t.Errorf("a reference's error: %s", msg)
			}

			ctx, _, _ := newEngine(t, nil)
			def := keyedDef("Hello", "string", "hello.json")
			def.Config.CacheInMemory = ptr(false)
			hello := keyed(def, "hello").WithOptions(runtime.StorageBackend(st))
			state := hello.State(ctx)
			if err := state.Err(); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete(ctx, "hello.json"); err != nil {
				t.Fatal(err)
			}
			_, err = state.Result()
			msg = once(t, err, st, "hello.json")
			if !strings.HasPrefix(msg, "task Hello: read result from "+st.String()+": ") {
				t.Errorf("a task's error does not start with the task and the store: %s", msg)
			}
		})
	}
}

// The typed errors behind the reworded chains still match errors.Is and
// errors.As: what callers branch on did not change with the words.
func TestTypedErrorsStillMatch(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	st, err := storage.NewLocal(local)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string, b []byte, opts storage.PutOptions) error {
		opts.Size = int64(len(b))
		return st.Put(ctx, key, bytes.NewReader(b), opts)
	}

	// A record of a string, read back as the wrong type and by another task.
	if _, err := keyed(keyedDef("Words", "string", "words"), "hi").Call(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.Reference[int](st, "words").Get(ctx); !errors.Is(err, runtime.ErrTypeMismatch) {
		t.Errorf("reference of another type: %v; want ErrTypeMismatch", err)
	}
	if _, err := keyed(keyedDef("Count", "int", "words"), 1).Call(ctx); !errors.Is(err, runtime.ErrKeyConflict) {
		t.Errorf("another task's record: %v; want ErrKeyConflict", err)
	}
	if err := put("words", []byte("x"), storage.PutOptions{IfAbsent: true}); !errors.Is(err, storage.ErrExists) {
		t.Errorf("put if absent over a record: %v; want storage.ErrExists", err)
	}

	// Not a record at all; a record of ours, damaged.
	if err := put("notes", []byte("my own notes\n"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = keyed(keyedDef("Notes", "string", "notes"), "n").Call(ctx)
	if !errors.Is(err, runtime.ErrForeignObject) {
		t.Errorf("a foreign file: %v; want ErrForeignObject", err)
	}
	var v string
	_, err = record.Read(ctx, st, "notes", nil, &v)
	var ce *record.CorruptError
	if !errors.Is(err, record.ErrNotRecord) || !errors.As(err, &ce) || ce.Key != "notes" {
		t.Errorf("record.Read of a foreign file: %v; want ErrNotRecord as a *CorruptError naming the key", err)
	}
	b, err := os.ReadFile(filepath.Join(local, "words"))
	if err != nil {
		t.Fatal(err)
	}
	if err := put("cut", b[:len(b)-1], storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := record.Read(ctx, st, "cut", nil, &v); !errors.Is(err, record.ErrCorrupt) || !errors.Is(err, record.ErrTruncated) {
		t.Errorf("a record cut short: %v; want ErrCorrupt and ErrTruncated", err)
	}

	// Missing, through the record layer and the store alone.
	if _, err := record.Head(ctx, st, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("record.Head of nothing: %v; want storage.ErrNotFound", err)
	}
	if err := st.Delete(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) || err.Error() != `delete "nope": not found` {
		t.Errorf("delete of nothing: %v; want storage.ErrNotFound worded `delete \"nope\": not found`", err)
	}

	// A key the rules refuse, from a task's storage key.
	long := strings.Repeat("x", 300)
	if _, err := keyed(keyedDef("Long", "string", long), "l").Call(ctx); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("a 300-byte key: %v; want storage.ErrInvalidKey", err)
	}
}
