package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// newEngineWithBlocks is newEngine with a config.toml holding a local block
// per slug; it returns the block folders by slug.
func newEngineWithBlocks(t *testing.T, slugs ...string) (context.Context, *runtime.Engine, string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var toml strings.Builder
	folders := map[string]string{}
	for _, slug := range slugs {
		folders[slug] = filepath.Join(dir, strings.ReplaceAll(slug, "/", "-"))
		fmt.Fprintf(&toml, "[blocks.%q]\npath = %q\n\n", slug, folders[slug])
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(toml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, e, local := newEngine(t, map[string]string{settings.Home: home})
	return ctx, e, local, folders
}

func localStore(t *testing.T, dir string) storage.Storage {
	t.Helper()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The seeds' quiz: which run persists where, and when.
func TestQuiz(t *testing.T) {
	hi := func() task[string] {
		return newTask(&runtime.Def{Kind: runtime.KindTask, Name: "my_task", Func: "example.com/app.MyTask", Source: "sha256:1", GoType: "string", Value: true},
			func(context.Context) (string, error) { return "Hi!", nil })
	}

	t.Run("Q1 task inherits the flow's persist and storage", func(t *testing.T) {
		ctx, _, local, blocks := newEngineWithBlocks(t, "local/prod")
		prod := blocks["local/prod"]
		myTask := hi()
		var st *runtime.State[string]
		var filesWhenTaskReturned []string
		flow := newTask(flowDef("my-flow", false, runtime.Config{Persist: ptr(true), Storage: "local/prod"}), func(ctx context.Context) (runtime.Void, error) {
			st = myTask.State(ctx)
			filesWhenTaskReturned = files(t, prod)
			return runtime.Void{}, nil
		})
		fst := flow.State(ctx)
		if !fst.IsCompleted() {
			t.Fatal(fst.Err())
		}
		if !st.Persisted() || st.PersistReason() != "inherited from flow my-flow (persist=true)" || !strings.Contains(st.Storage(), prod) {
			t.Errorf("task: persisted=%v reason=%q storage=%q; want persisted in %s, inherited", st.Persisted(), st.PersistReason(), st.Storage(), prod)
		}
		if !slicesEqual(filesWhenTaskReturned, []string{st.Key()}) {
			t.Errorf("when the task returned, %s held %v; want its record %q", prod, filesWhenTaskReturned, st.Key())
		}
		if !fst.Persisted() || fst.PersistReason() != "persist=true" {
			t.Errorf("flow: persisted=%v reason=%q", fst.Persisted(), fst.PersistReason())
		}
		if got := files(t, prod); len(got) != 2 || !strings.Contains(strings.Join(got, " "), fst.Key()) {
			t.Errorf("%s holds %v; want the task's and the flow's (%s) records", prod, got, fst.Key())
		}
		if got := files(t, local); len(got) != 0 {
			t.Errorf("default local storage holds %v; want nothing", got)
		}
	})

	t.Run("Q2 persist=false on the task wins", func(t *testing.T) {
		ctx, _, local, blocks := newEngineWithBlocks(t, "local/prod")
		prod := blocks["local/prod"]
		myTask := hi().WithOptions(runtime.Persist(false), runtime.Retries(3))
		var st *runtime.State[string]
		flow := newTask(flowDef("my-flow", false, runtime.Config{Persist: ptr(true), Storage: "local/prod"}), func(ctx context.Context) (runtime.Void, error) {
			st = myTask.State(ctx)
			return runtime.Void{}, nil
		})
		fst := flow.State(ctx)
		if v, err := st.Result(); v != "Hi!" || err != nil {
			t.Errorf("task result %q, %v", v, err)
		}
		if st.Persisted() || st.PersistReason() != "persist=false (always wins)" || st.Key() != "" {
			t.Errorf("task: persisted=%v reason=%q key=%q; want not persisted", st.Persisted(), st.PersistReason(), st.Key())
		}
		if got := files(t, prod); !slicesEqual(got, []string{fst.Key()}) {
			t.Errorf("%s holds %v; want only the flow's record %s", prod, got, fst.Key())
		}
		if got := files(t, local); len(got) != 0 {
			t.Errorf("local storage holds %v", got)
		}
	})

	t.Run("Q3 flow retries persist tasks with values only", func(t *testing.T) {
		ctx, _, local := newEngine(t, nil)
		noValue := newTask(taskDef("my_task", false, runtime.Config{}), func(context.Context) (runtime.Void, error) { return runtime.Void{}, nil })
		withValue := hi()
		var nv *runtime.State[runtime.Void]
		var wv *runtime.State[string]
		flow := newTask(flowDef("my-flow", false, runtime.Config{Retries: 2}), func(ctx context.Context) (runtime.Void, error) {
			nv = noValue.State(ctx)
			wv = withValue.State(ctx)
			return runtime.Void{}, nil
		})
		fst := flow.State(ctx)
		if fst.Persisted() || nv.Persisted() {
			t.Errorf("flow persisted=%v (%s), value-less task persisted=%v (%s); want neither", fst.Persisted(), fst.PersistReason(), nv.Persisted(), nv.PersistReason())
		}
		if !wv.Persisted() || wv.PersistReason() != "flow my-flow has retries=2 and the task returns a value" {
			t.Errorf("value task persisted=%v reason=%q", wv.Persisted(), wv.PersistReason())
		}
		if got := files(t, local); !slicesEqual(got, []string{wv.Key()}) {
			t.Errorf("local storage holds %v, want %s", got, wv.Key())
		}
	})
}

func TestPersistByDefaultFromEnvironment(t *testing.T) {
	answer := func() task[int] {
		return newTask(taskDef("answer", true, runtime.Config{}), func(context.Context) (int, error) { return 42, nil })
	}
	tests := []struct {
		env        string
		opts       []runtime.Option
		wantReason string
		wantFiles  int
	}{
		{"true", nil, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true", 1},
		{"yes", []runtime.Option{runtime.Persist(false)}, "persist=false (always wins)", 0},
		{"false", nil, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=false", 0},
		{"", []runtime.Option{runtime.Persist(true)}, "persist=true", 1},
	}
	for _, tt := range tests {
		t.Run(tt.env+tt.wantReason, func(t *testing.T) {
			ctx, _, local := newEngine(t, map[string]string{settings.PersistByDefault: tt.env})
			st := answer().WithOptions(tt.opts...).State(ctx)
			if v, err := st.Result(); v != 42 || err != nil {
				t.Fatalf("result %d, %v", v, err)
			}
			if st.PersistReason() != tt.wantReason || st.Persisted() != (tt.wantFiles == 1) {
				t.Errorf("persisted=%v reason=%q, want reason %q", st.Persisted(), st.PersistReason(), tt.wantReason)
			}
			if got := files(t, local); len(got) != tt.wantFiles {
				t.Errorf("local storage holds %v, want %d record(s)", got, tt.wantFiles)
			}
		})
	}
}

// Naming a default storage turns persistence on, and the result goes there;
// persist=false still wins.
func TestDefaultStorageTurnsPersistenceOn(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	ctx, _, local := newEngine(t, map[string]string{settings.DefaultStorage: "local:" + shared})
	answer := newTask(taskDef("answer", true, runtime.Config{}), func(context.Context) (int, error) { return 42, nil })
	st := answer.State(ctx)
	if v, err := st.Result(); v != 42 || err != nil {
		t.Fatalf("result %d, %v", v, err)
	}
	want := "RESULTGEN_DEFAULT_RESULT_STORAGE=local:" + shared + " (naming a default storage turns persistence on)"
	if !st.Persisted() || st.PersistReason() != want {
		t.Errorf("persisted=%v reason=%q, want %q", st.Persisted(), st.PersistReason(), want)
	}
	if got := files(t, shared); len(got) != 1 {
		t.Errorf("default storage holds %v, want one record", got)
	}
	if got := files(t, local); len(got) != 0 {
		t.Errorf("the local path holds %v; the named default storage should", got)
	}
	if st := answer.WithOptions(runtime.Persist(false)).State(ctx); st.Persisted() {
		t.Errorf("persist=false was persisted: %s", st.PersistReason())
	}
}

// The newest seed's example: tasks use the flow's storage unless they say
// otherwise; the serializer is inherited the same way.
func TestFlowToTaskInheritance(t *testing.T) {
	ctx, e, local := newEngine(t, nil)
	dev := filepath.Join(t.TempDir(), "dev")
	other := filepath.Join(t.TempDir(), "other")
	e.RegisterStorage("s3/my-dev-block", localStore(t, dev))
	otherStore := localStore(t, other)

	myTask := newTask(taskDef("my_task", true, runtime.Config{}), func(context.Context) (int, error) { return 42, nil })
	unpersisted := myTask.WithOptions(runtime.Persist(false))
	otherStorage := myTask.WithOptions(runtime.StorageBackend(otherStore))
	// The same function with other options shares my_task's cache key; a
	// second function shows the serializer override.
	gobTask := newTask(taskDef("gob_task", true, runtime.Config{Serializer: "gob"}), func(context.Context) (int, error) { return 42, nil })

	var states []*runtime.State[int]
	flow := newTask(flowDef("my-flow", false, runtime.Config{Storage: "s3/my-dev-block", Serializer: "json"}), func(ctx context.Context) (runtime.Void, error) {
		for _, tk := range []task[int]{myTask, unpersisted, otherStorage, gobTask} {
			states = append(states, tk.State(ctx))
		}
		return runtime.Void{}, nil
	})
	fst := flow.State(ctx)
	if !fst.IsCompleted() || fst.PersistReason() != "inferred from storage" {
		t.Fatalf("flow %s (%s): %v", fst.Name(), fst.PersistReason(), fst.Err())
	}
	tests := []struct {
		name       string
		dir        string // "" : not persisted
		reason     string
		serializer string
	}{
		{"my_task", dev, "inherited from flow my-flow (storage=s3/my-dev-block)", "json"},
		{"unpersisted", "", "persist=false (always wins)", ""},
		{"other storage", other, "inferred from storage", "json"},
		{"gob", dev, "inferred from serializer", "gob"},
	}
	for i, tt := range tests {
		st := states[i]
		if st.PersistReason() != tt.reason || st.Persisted() != (tt.dir != "") {
			t.Errorf("%s: persisted=%v reason=%q, want %q", tt.name, st.Persisted(), st.PersistReason(), tt.reason)
			continue
		}
		if v, err := st.Result(); v != 42 || err != nil {
			t.Errorf("%s: result %d, %v", tt.name, v, err)
		}
		if tt.dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(tt.dir, st.Key())); err != nil {
			t.Errorf("%s: record not in %s: %v", tt.name, tt.dir, err)
		}
		meta, err := record.ReadMeta(ctx, localStore(t, tt.dir), st.Key())
		if err != nil || meta.Serializer == nil || meta.Serializer.Type != tt.serializer {
			t.Errorf("%s: record meta %+v, %v; want serializer %s", tt.name, meta, err, tt.serializer)
		}
	}
	if got := files(t, local); len(got) != 0 {
		t.Errorf("default storage holds %v", got)
	}
}

// An existing result at a storage key is loaded without running.
func TestStorageKeyLoadsExistingResult(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	hello := helloTask{calls: new(atomic.Int64)}
	flow := newTask(flowDef("my-flow", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		for _, name := range []string{"world", "foo", "bar"} {
			if st := hello.State(ctx, name); st.IsFailed() {
				return runtime.Void{}, st.Err()
			}
		}
		return runtime.Void{}, nil
	})
	if st := flow.State(ctx); !st.IsCompleted() {
		t.Fatal(st.Err())
	}
	if got, want := files(t, local), []string{"hello-bar.json", "hello-foo.json", "hello-world.json"}; !slicesEqual(got, want) {
		t.Errorf("ls storage = %v, want %v", got, want)
	}
	if n := hello.calls.Load(); n != 3 {
		t.Errorf("body ran %d times, want 3", n)
	}

	// Again: each key holds a result, so nothing runs.
	st := hello.State(ctx, "foo")
	if v, err := st.Result(); v != "hello foo" || err != nil || st.Name() != "Cached" || !st.IsCached() || !st.IsCompleted() {
		t.Errorf("second run: %s %q, %v; want Cached", st.Name(), v, err)
	}
	if st.Key() != "hello-foo.json" || st.PersistReason() != "inferred from storage_key" {
		t.Errorf("key %q reason %q", st.Key(), st.PersistReason())
	}
	if n := hello.calls.Load(); n != 3 {
		t.Errorf("body ran %d times after the cached run, want 3", n)
	}

	// A record written by someone else (another process, last week) is loaded too.
	ser, err := serializer.New(serializer.Spec{Type: "msgpack"})
	if err != nil {
		t.Fatal(err)
	}
	str := typeid.Of[string]()
	if _, err := record.Write(ctx, localStore(t, local), "hello-ann.json", record.Meta{Key: "hello-ann.json", Task: "hello_world",
		Func: helloDef.Func, GoType: "string", TypeHash: str.Hash(), TypeDesc: str.Canonical(), Created: time.Now()},
		ser, "written before", storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	if v, err := hello.State(ctx, "ann").Result(); v != "written before" || err != nil || hello.calls.Load() != 3 {
		t.Errorf("pre-existing record: %q, %v, %d calls; want it loaded without running", v, err, hello.calls.Load())
	}

	// A record of the same task from before result types were recorded
	// cannot be checked: it is recomputed and replaced, and the state says why.
	if _, err := record.Write(ctx, localStore(t, local), "hello-old.json", record.Meta{Key: "hello-old.json", Task: "hello_world", GoType: "string", Created: time.Now()},
		ser, "unchecked", storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	st = hello.State(ctx, "old")
	if v, err := st.Result(); v != "hello old" || err != nil || st.IsCached() || !strings.Contains(st.CacheReason(), "no result-type fingerprint") {
		t.Errorf("record without a fingerprint: %s %q, %v, reason %q; want it recomputed", st.Name(), v, err, st.CacheReason())
	}
	if v, err := hello.State(ctx, "old").Result(); v != "hello old" || err != nil || hello.calls.Load() != 4 {
		t.Errorf("after replacing it: %q, %v, %d calls; want the new record loaded", v, err, hello.calls.Load())
	}
}

func TestExpirationAndRefresh(t *testing.T) {
	for _, store := range []string{"local", "memory"} {
		t.Run(store, func(t *testing.T) { testExpirationAndRefresh(t, store) })
	}
}

func testExpirationAndRefresh(t *testing.T, store string) {
	clk := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx, _, _ := newEngine(t, nil, runtime.WithClock(clk.Now))
	var n atomic.Int64
	counter := newTask(taskDef("counter", true, runtime.Config{Storage: store, CacheKeyFn: true, CacheExpiration: time.Hour}), func(context.Context) (int, error) {
		return int(n.Add(1)), nil
	})
	run := func(opts ...runtime.Option) (int, string) {
		t.Helper()
		inv := counter.WithOptions(opts...).inv()
		inv.CacheKey = func(context.Context) (string, error) { return "counter/latest", nil }
		st := runtime.Run(ctx, inv)
		v, err := st.Result()
		if err != nil {
			t.Fatal(err)
		}
		return v, st.Name()
	}
	steps := []struct {
		name      string
		advance   time.Duration
		opts      []runtime.Option
		want      int
		wantState string
	}{
		{"first run computes", 0, nil, 1, "Completed"},
		{"within the hour: cached", 59 * time.Minute, nil, 1, "Cached"},
		{"expired: recomputed and overwritten", 2 * time.Minute, nil, 2, "Completed"},
		{"fresh again: cached", 30 * time.Minute, nil, 2, "Cached"},
		{"refresh recomputes", 0, []runtime.Option{runtime.RefreshCache(true)}, 3, "Completed"},
		{"refreshed value is cached", 0, nil, 3, "Cached"},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		if v, name := run(s.opts...); v != s.want || name != s.wantState {
			t.Errorf("%s: got %d (%s), want %d (%s)", s.name, v, name, s.want, s.wantState)
		}
	}

	// RESULTGEN_TASKS_REFRESH_CACHE refreshes every task.
	ctx2, _, _ := newEngine(t, map[string]string{settings.RefreshCache: "true"})
	inv := helloTask{calls: new(atomic.Int64)}
	for range 2 {
		if st := inv.State(ctx2, "x"); st.Name() != "Completed" {
			t.Errorf("with refresh setting: %s", st.Name())
		}
	}
	if inv.calls.Load() != 2 {
		t.Errorf("with refresh setting the body ran %d times, want 2", inv.calls.Load())
	}
}

func TestCacheInMemory(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	big := newTask(taskDef("bar", true, runtime.Config{CacheInMemory: ptr(false)}), func(context.Context) (int, error) { return 99, nil })

	st := big.State(ctx)
	if !st.Persisted() || st.PersistReason() != "inferred from cache_in_memory=false" {
		t.Fatalf("persisted=%v reason=%q", st.Persisted(), st.PersistReason())
	}
	if v, err := st.Result(); v != 99 || err != nil {
		t.Errorf("result %d, %v", v, err)
	}
	// Result reads storage on every call: replace the record and see the new value.
	ser, _ := serializer.New(serializer.Spec{Type: "msgpack"})
	if _, err := record.Write(ctx, localStore(t, local), st.Key(), record.Meta{Key: st.Key(), GoType: "int", TypeHash: typeid.Of[int]().Hash(), Created: time.Now()}, ser, 100, storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Result(); v != 100 || err != nil {
		t.Errorf("after replacing the record: %d, %v; want 100 read from storage", v, err)
	}
	// ... but never a record of another type
	if _, err := record.Write(ctx, localStore(t, local), st.Key(), record.Meta{Key: st.Key(), GoType: "string", TypeHash: typeid.Of[string]().Hash(), Created: time.Now()}, ser, "hundred", storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Result(); !errors.Is(err, runtime.ErrTypeMismatch) || v != 0 {
		t.Errorf("after replacing the record with a string: %d, %v; want ErrTypeMismatch", v, err)
	}
	if err := os.Remove(filepath.Join(local, st.Key())); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Result(); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after deleting the record: %v; want ErrNotFound", err)
	}

	// Neither kept nor persisted: the run completes, the value is unavailable.
	gone := big.WithOptions(runtime.Persist(false))
	st = gone.State(ctx)
	if _, err := st.Result(); !st.IsCompleted() || !errors.Is(err, runtime.ErrResultUnavailable) {
		t.Errorf("persist=false, cache_in_memory=false: %s, %v; want Completed and ErrResultUnavailable", st.Name(), err)
	}
	if _, err := gone.Submit(ctx).Result(); !errors.Is(err, runtime.ErrResultUnavailable) {
		t.Errorf("future: %v", err)
	}
	if _, err := gone.Call(ctx); !errors.Is(err, runtime.ErrResultUnavailable) {
		t.Errorf("call: %v", err)
	}
}

// A flow retry re-runs the body; tasks that completed are loaded, not re-run.
func TestFlowRetriesReuseCompletedTasks(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	first := newTask(taskDef("first", true, runtime.Config{}), func(context.Context) (int, error) { return 40, nil })
	var failOnce atomic.Bool
	second := newTask(taskDef("second", true, runtime.Config{}), func(context.Context) (int, error) {
		if failOnce.CompareAndSwap(false, true) {
			return 0, errValue
		}
		return 2, nil
	})
	var firstStates []string
	flow := newTask(flowDef("my-flow", true, runtime.Config{Retries: 2, RetryDelay: time.Millisecond}), func(ctx context.Context) (int, error) {
		st := first.State(ctx)
		firstStates = append(firstStates, st.Name())
		a, err := st.Result()
		if err != nil {
			return 0, err
		}
		b, err := second.Call(ctx)
		return a + b, err
	})
	st := flow.State(ctx)
	if v, err := st.Result(); v != 42 || err != nil {
		t.Fatalf("flow = %d, %v", v, err)
	}
	fr, _ := st.FlowRun()
	if fr.RunCount != 2 {
		t.Errorf("flow run count %d, want 2", fr.RunCount)
	}
	if first.calls.Load() != 1 || second.calls.Load() != 2 {
		t.Errorf("first ran %d times, second %d; want 1 and 2", first.calls.Load(), second.calls.Load())
	}
	if !slicesEqual(firstStates, []string{"Completed", "Cached"}) {
		t.Errorf("first's states over the attempts: %v", firstStates)
	}
	if st.Persisted() {
		t.Errorf("flow persisted (%s): its retries alone must not persist it", st.PersistReason())
	}
}

// Cache policies: default (inputs+task_source+run_id), inputs-NAME, none.
func TestCachePolicies(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	def := &runtime.Def{Kind: runtime.KindTask, Name: "add", Func: "example.com/app.Add", Source: "sha256:add", Params: []string{"x", "y"}, GoType: "int", Value: true}
	var calls atomic.Int64
	add := func(ctx context.Context, x, y int, opts ...runtime.Option) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{
			Def: def, Options: opts,
			Inputs: func(h *runtime.Hasher) error {
				if h.Param("x") {
					h.Int(int64(x))
				}
				if h.Param("y") {
					h.Int(int64(y))
				}
				return nil
			},
			Body: func(context.Context) (int, error) { calls.Add(1); return x + y, nil },
		})
	}
	var got []string
	flow := newTask(flowDef("f", false, runtime.Config{Persist: ptr(true)}), func(ctx context.Context) (runtime.Void, error) {
		for _, c := range [][2]int{{1, 2}, {1, 2}, {2, 1}} {
			st := add(ctx, c[0], c[1])
			v, _ := st.Result()
			got = append(got, fmt.Sprintf("%d:%s", v, st.Name()))
		}
		return runtime.Void{}, nil
	})
	flow.State(ctx)
	if want := []string{"3:Completed", "3:Cached", "3:Completed"}; !slicesEqual(got, want) {
		t.Errorf("in one flow run: %v, want %v", got, want)
	}
	flow.State(ctx) // a new flow run: a new run_id
	if calls.Load() != 4 {
		t.Errorf("second flow run: body ran %d times in all, want 4", calls.Load())
	}

	calls.Store(0)
	pol := runtime.CachePolicy("inputs-y+task_source")
	a, b := add(ctx, 5, 1, pol), add(ctx, 5, 99, pol)
	if va, _ := a.Result(); va != 6 || b.Name() != "Cached" || calls.Load() != 1 || a.Key() != b.Key() {
		t.Errorf("inputs-y: second run %s with key %q vs %q, %d calls; want Cached on one key", b.Name(), b.Key(), a.Key(), calls.Load())
	}
	none := add(ctx, 5, 1, runtime.CachePolicy("none"), runtime.Persist(true))
	if none.Name() != "Completed" || none.Key() == a.Key() || len(none.Key()) != 36 {
		t.Errorf("none: %s key %q; want a fresh run under a random key", none.Name(), none.Key())
	}
	if st := add(ctx, 1, 1, runtime.CachePolicy("inputs+bogus")); !st.IsFailed() || !strings.Contains(st.Err().Error(), `unknown cache policy "bogus"`) {
		t.Errorf("bad policy: %s %v", st.Name(), st.Err())
	}
}

func TestKeyErrors(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	def := &runtime.Def{Kind: runtime.KindTask, Name: "report", Func: "example.com/app.Report", GoType: "int", Value: true, KeyUsesFlowRun: true,
		Config: runtime.Config{StorageKey: "{flow_run.name}/{parameters[x]}.json"}}
	var calls atomic.Int64
	inv := func(x string) runtime.Invocation[int] {
		return runtime.Invocation[int]{
			Def: def,
			StorageKey: func(k runtime.KeyContext) (string, error) {
				return runtime.KeyValue(k.FlowRun.Name) + "/" + x + ".json", nil // x NOT escaped: a broken template
			},
			Body: func(context.Context) (int, error) { calls.Add(1); return 1, nil },
		}
	}
	st := runtime.Run(ctx, inv("a"))
	if !st.IsFailed() || !strings.Contains(st.Err().Error(), "needs a flow run") {
		t.Errorf("outside a flow: %s %v", st.Name(), st.Err())
	}
	var inner *runtime.State[int]
	flow := newTask(flowDef("f", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		inner = runtime.Run(ctx, inv("../../escape"))
		return runtime.Void{}, nil
	})
	flow.State(ctx)
	if !inner.IsFailed() || !errors.Is(inner.Err(), storage.ErrInvalidKey) || !strings.Contains(inner.Err().Error(), def.Config.StorageKey) {
		t.Errorf("bad rendered key: %s %v; want ErrInvalidKey naming the template", inner.Name(), inner.Err())
	}
	if calls.Load() != 0 {
		t.Errorf("body ran %d times despite bad keys", calls.Load())
	}
}

// Hostile parameter values through KeyValue stay inside the storage base.
func TestHostileKeyValues(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	names := []string{"../../etc/passwd", "/abs", `a\b`, "nul\x00byte", ".", "..", "%2F", "a/../..", "new\nline"}
	hello := helloTask{calls: new(atomic.Int64)}
	keys := map[string]bool{}
	for _, name := range names {
		st := hello.State(ctx, name)
		if v, err := st.Result(); err != nil || v != "hello "+name {
			t.Errorf("%q: %q, %v", name, v, err)
			continue
		}
		keys[st.Key()] = true
	}
	got := files(t, local)
	if len(got) != len(names) || len(keys) != len(names) {
		t.Errorf("%d values gave %d keys and files %q", len(names), len(keys), got)
	}
	for _, f := range got {
		if strings.ContainsAny(f, "/\\\x00") || !keys[f] {
			t.Errorf("file %q is not a single escaped key", f)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(local))
	for _, e := range entries {
		if e.Name() != "storage" && e.Name() != "home" {
			t.Errorf("something was written beside the storage folder: %s", e.Name())
		}
	}
}

// Parameter values naming what the stores or the runtime reserve (".locks",
// ".tmp-*", ".index", ".runs") are escaped like "..": a template
// "{parameters[x]}" or "d/{parameters[x]}/r" never fails as "reserved", and
// each value gets its own key.
func TestReservedKeyValues(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	keys := map[string]string{}
	for _, v := range []string{".locks", ".tmp-foo", ".tmp-", ".lock", ".t", ".index", runtime.RunsPrefix, ".runs-old", ".r"} {
		for _, layout := range []string{"%s", "d/%s/r.json"} {
			inv := runtime.Invocation[string]{
				Def: &runtime.Def{Kind: runtime.KindTask, Name: "keep", Func: "example.com/app.Keep", GoType: "string", Value: true,
					Config: runtime.Config{StorageKey: "{parameters[x]}"}},
				StorageKey: func(runtime.KeyContext) (string, error) { return fmt.Sprintf(layout, runtime.KeyValue(v)), nil },
				Body:       func(context.Context) (string, error) { return v, nil },
			}
			st := runtime.Run(ctx, inv)
			if got, err := st.Result(); err != nil || got != v {
				t.Errorf("value %q, key layout %q: %q, %v", v, layout, got, err)
				continue
			}
			if other, dup := keys[st.Key()]; dup {
				t.Errorf("values %q and %q share key %q", other, v, st.Key())
			}
			keys[st.Key()] = v
		}
	}
	if got := files(t, local); len(got) != len(keys) {
		t.Errorf("%d keys gave the record files %q", len(keys), got)
	}
}

// Serializable isolation computes a key once under 64 concurrent callers;
// read_committed callers may compute in parallel, but all see one value.
func TestIsolation(t *testing.T) {
	for _, level := range []string{runtime.Serializable, runtime.ReadCommitted} {
		t.Run(level, func(t *testing.T) {
			ctx, _, _ := newEngine(t, nil)
			var n atomic.Int64
			def := &runtime.Def{Kind: runtime.KindTask, Name: "expensive", Func: "example.com/app.Expensive", GoType: "int", Value: true,
				Config: runtime.Config{StorageKey: "expensive.msgpack", Isolation: level}}
			inv := runtime.Invocation[int]{
				Def:        def,
				StorageKey: func(runtime.KeyContext) (string, error) { return "expensive.msgpack", nil },
				Body: func(context.Context) (int, error) {
					v := n.Add(1)
					time.Sleep(time.Millisecond) // widen the window for a second computation
					return int(v), nil
				},
			}
			const callers = 64
			var wg sync.WaitGroup
			values := make([]int, callers)
			states := make([]string, callers)
			start := make(chan struct{})
			for i := range callers {
				wg.Go(func() {
					<-start
					st := runtime.Run(ctx, inv)
					values[i], _ = st.Result()
					states[i] = st.Name()
				})
			}
			close(start)
			wg.Wait()
			for i, v := range values {
				if v != values[0] || v == 0 {
					t.Fatalf("caller %d got %d, caller 0 got %d; all must see one value", i, v, values[0])
				}
			}
			if level == runtime.Serializable {
				cached := 0
				for _, s := range states {
					if s == "Cached" {
						cached++
					}
				}
				if n.Load() != 1 || cached != callers-1 {
					t.Errorf("computed %d times, %d cached; want once and %d cached", n.Load(), cached, callers-1)
				}
			}
		})
	}
}

func TestLiteralResults(t *testing.T) {
	ctx, _, local := newEngine(t, map[string]string{settings.PersistByDefault: "true"})
	yes := newTask(&runtime.Def{Kind: runtime.KindTask, Name: "yes", Func: "example.com/app.Yes", GoType: "bool", Value: true},
		func(context.Context) (bool, error) { return true, nil })
	nothing := newTask(&runtime.Def{Kind: runtime.KindTask, Name: "rows", Func: "example.com/app.Rows", GoType: "[]string", Value: true},
		func(context.Context) ([]string, error) { return nil, nil })
	st := yes.WithOptions(runtime.CacheInMemory(false)).State(ctx)
	if v, err := st.Result(); !v || err != nil {
		t.Errorf("bool literal: %v, %v", v, err)
	}
	ns := nothing.State(ctx)
	for key, want := range map[string]string{st.Key(): "true", ns.Key(): "null"} {
		meta, err := record.ReadMeta(ctx, localStore(t, local), key)
		if err != nil || meta.Literal == nil || *meta.Literal != want || meta.Serializer != nil {
			t.Errorf("record %s: %+v, %v; want literal %s without serializer", key, meta, err, want)
		}
	}
}

func TestStorageSpecs(t *testing.T) {
	ctx, e, _ := newEngine(t, nil)
	e.RegisterStorage("s3/prod", localStore(t, t.TempDir()))
	answer := newTask(taskDef("answer", true, runtime.Config{}), func(context.Context) (int, error) { return 42, nil })
	tests := []struct {
		spec    string
		wantErr string
		is      error
	}{
		{"memory", "", nil},
		{"local:" + t.TempDir(), "", nil},
		{"s3/prod", "", nil},
		{"s3/missing", "known: s3/prod", runtime.ErrUnknownStorage},
		{"s3://Not_A_Bucket/prefix", "may hold only lowercase letters", nil},
		{"ftp:x", "want local, local:PATH, memory", nil},
	}
	for _, tt := range tests {
		st := answer.WithOptions(runtime.Storage(tt.spec), runtime.CacheInMemory(false)).State(ctx)
		v, err := st.Result()
		switch {
		case tt.wantErr == "" && (err != nil || v != 42):
			t.Errorf("%s: %d, %v", tt.spec, v, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.is != nil && !errors.Is(err, tt.is))):
			t.Errorf("%s: error %v, want %q", tt.spec, err, tt.wantErr)
		}
	}
	if answer.calls.Load() != 3 {
		t.Errorf("body ran %d times; a bad storage spec must fail before running", answer.calls.Load())
	}
}

// A flow's cache_in_memory=false reaches its persisted tasks; a task that
// persists nothing keeps its value.
func TestInMemoryInheritance(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	plain := newTask(taskDef("plain", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	persisted := newTask(taskDef("kept", true, runtime.Config{Persist: ptr(true)}), func(context.Context) (int, error) { return 2, nil })
	var kept *runtime.State[int]
	flow := newTask(flowDef("lean", true, runtime.Config{CacheInMemory: ptr(false)}), func(ctx context.Context) (int, error) {
		a, err := plain.Call(ctx)
		if err != nil {
			return 0, err
		}
		kept = persisted.State(ctx)
		b, err := kept.Result()
		return a + b, err
	})
	st := flow.State(ctx)
	if v, err := st.Result(); v != 3 || err != nil || !st.Persisted() || st.PersistReason() != "inferred from cache_in_memory=false" {
		t.Errorf("flow: %d, %v, persisted=%v (%s)", v, err, st.Persisted(), st.PersistReason())
	}
	if err := os.Remove(filepath.Join(local, kept.Key())); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Result(); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("persisted task under the flow: %v; want its value read from storage (now deleted)", err)
	}
}

// A negative expiration given at run time means the record is already
// expired: the second call recomputes instead of serving it (the seeds'
// engine does the same; the directive form is a generate error).
func TestNegativeRunTimeExpirationExpires(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	var n atomic.Int64
	counter := newTask(taskDef("counter", true, runtime.Config{CacheKeyFn: true}), func(context.Context) (int, error) {
		return int(n.Add(1)), nil
	}).WithOptions(runtime.CacheExpiration(-5 * time.Second))
	for i, want := range []int{1, 2} {
		inv := counter.inv()
		inv.CacheKey = func(context.Context) (string, error) { return "counter/negative", nil }
		st := runtime.Run(ctx, inv)
		v, err := st.Result()
		if err != nil {
			t.Fatal(err)
		}
		if v != want || st.Name() != runtime.StateCompleted {
			t.Errorf("call %d: %d (%s), want %d (Completed): a record with a negative expiration must not be served", i+1, v, st.Name(), want)
		}
		if i == 1 && !strings.Contains(st.CacheReason(), "expired") {
			t.Errorf("call 2: CacheReason %q, want it to say the record expired", st.CacheReason())
		}
	}
	if got := files(t, local); len(got) != 1 {
		t.Errorf("records: %v, want the one key overwritten", got)
	}
}

// A finished subflow does not run again when its parent flow retries (the
// seeds' engine: "child flow should not run again"), with a random flow run
// id and under a run id: the retry gets the child's State, and neither the
// child's body nor the task inside it runs a second time. A child called
// with other inputs in the retry does run.
func TestFinishedSubflowNotRerunOnParentRetry(t *testing.T) {
	for _, runID := range []string{"", "r1"} {
		t.Run("run id "+runID, func(t *testing.T) {
			ctx, _, _ := newEngine(t, nil)
			inner := newTask(taskDef("inner", true, runtime.Config{}), func(context.Context) (int, error) { return 20, nil })
			var childIDs []string
			child := newTask(flowDef("child", true, runtime.Config{Persist: ptr(true)}), func(ctx context.Context) (int, error) {
				fr, _ := runtime.FlowRunFrom(ctx)
				childIDs = append(childIDs, fr.ID)
				v, err := inner.Call(ctx)
				return v + 1, err
			})
			var failOnce atomic.Bool
			var childStates []string
			parent := newTask(flowDef("parent", true, runtime.Config{Retries: 1}), func(ctx context.Context) (int, error) {
				st := child.State(ctx)
				childStates = append(childStates, st.Name())
				v, err := st.Result()
				if err != nil {
					return 0, err
				}
				if failOnce.CompareAndSwap(false, true) {
					return 0, errValue // fails after the call: the retry must not re-run child
				}
				return v * 2, nil
			})
			if runID != "" {
				parent = parent.WithOptions(runtime.RunID(runID))
			}
			st := parent.State(ctx)
			if v, err := st.Result(); v != 42 || err != nil {
				t.Fatalf("parent = %d, %v; want 42", v, err)
			}
			if fr, _ := st.FlowRun(); fr.RunCount != 2 {
				t.Errorf("parent run count %d, want 2 (one retry)", fr.RunCount)
			}
			if child.calls.Load() != 1 || inner.calls.Load() != 1 {
				t.Errorf("child body ran %d times, inner task %d; want 1 and 1 (ids %v)", child.calls.Load(), inner.calls.Load(), childIDs)
			}
			if !slicesEqual(childStates, []string{"Completed", "Completed"}) {
				t.Errorf("child's states over the attempts: %v, want the finished state twice", childStates)
			}
			if runID != "" && (len(childIDs) != 1 || childIDs[0] != "r1/child-1") {
				t.Errorf("child flow run ids %v, want [r1/child-1]", childIDs)
			}
		})
	}
}

// A subflow called with other inputs in the parent's retry runs: only a
// finished run with the same inputs is reused.
func TestSubflowWithOtherInputsRunsOnParentRetry(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	def := flowDef("child", true, runtime.Config{})
	def.Params = []string{"n"}
	var calls atomic.Int64
	child := func(ctx context.Context, n int) (int, error) {
		return runtime.Run(ctx, runtime.Invocation[int]{
			Def:    def,
			Inputs: func(h *runtime.Hasher) error { h.Param("n"); h.Int(int64(n)); return nil },
			Body:   func(context.Context) (int, error) { calls.Add(1); return n, nil },
		}).Result()
	}
	attempt := 0
	parent := newTask(flowDef("parent", true, runtime.Config{Retries: 1}), func(ctx context.Context) (int, error) {
		attempt++
		v, err := child(ctx, attempt)
		if err == nil && attempt == 1 {
			err = errValue
		}
		return v, err
	})
	if v, err := parent.Call(ctx); v != 2 || err != nil {
		t.Fatalf("parent = %d, %v; want 2 (the retry's own child run)", v, err)
	}
	if calls.Load() != 2 {
		t.Errorf("child ran %d times, want 2: its inputs changed", calls.Load())
	}
}

// A subflow that finished in a named run's failed attempt is not run again
// when the run is resumed by a new engine on the same store, as another
// process would: the subflow's result was kept at a key of the run, and is
// loaded (state Cached).
func TestFinishedSubflowNotRerunWhenNamedRunResumes(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{settings.LocalStoragePath: dir}
	var childCalls, innerCalls atomic.Int64
	inner := func() task[int] {
		return newTask(taskDef("inner", true, runtime.Config{}), func(context.Context) (int, error) { innerCalls.Add(1); return 20, nil })
	}
	child := func() task[int] {
		in := inner()
		return newTask(flowDef("child", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			childCalls.Add(1)
			v, err := in.Call(ctx)
			return v + 1, err
		})
	}
	attempt := func(fail bool) (*runtime.State[int], string) {
		ctx, _, _ := newEngine(t, vars)
		ch := child()
		var childState string
		parent := newTask(flowDef("parent", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			st := ch.State(ctx)
			childState = st.Name()
			v, err := st.Result()
			if err == nil && fail {
				err = errValue // the process's attempt fails after the subflow finished
			}
			return v * 2, err
		}).WithOptions(runtime.RunID("r1"))
		return parent.State(ctx), childState
	}
	if st, childState := attempt(true); !st.IsFailed() || childState != runtime.StateCompleted {
		t.Fatalf("first attempt: %s (%v), child %s; want Failed after a Completed child", st.Name(), st.Err(), childState)
	}
	st, childState := attempt(false)
	if v, err := st.Result(); v != 42 || err != nil {
		t.Fatalf("resumed run = %d, %v; want 42", v, err)
	}
	if childState != runtime.StateCached || childCalls.Load() != 1 || innerCalls.Load() != 1 {
		t.Errorf("resumed run: child %s, its body ran %d times, the task inside %d; want Cached, 1, 1", childState, childCalls.Load(), innerCalls.Load())
	}
	if st.Resumed() != 1 {
		t.Errorf("resumed run: Resumed() = %d, want 1 (the subflow)", st.Resumed())
	}
}

// A named run resumed by a later attempt (another process: another engine,
// whose clock reads later) keeps the start of its first attempt, so a task
// keyed by {flow_run.start_time:LAYOUT} finds the record the first attempt
// wrote instead of running again under a new key.
func TestNamedRunKeepsItsStartTimeWhenResumed(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{settings.LocalStoragePath: dir}
	var calls atomic.Int64
	def := &runtime.Def{Kind: runtime.KindTask, Name: "daily", Func: "example.com/app.Daily", GoType: "int", Value: true, KeyUsesFlowRun: true,
		Config: runtime.Config{StorageKey: "{flow_run.start_time:2006-01-02T15}.json"}}
	var keys []string
	attempt := func(now time.Time, fail bool) *runtime.State[int] {
		ctx, _, _ := newEngine(t, vars, runtime.WithClock(func() time.Time { return now }))
		flow := newTask(flowDef("nightly", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			st := runtime.Run(ctx, runtime.Invocation[int]{Def: def,
				StorageKey: func(k runtime.KeyContext) (string, error) {
					return runtime.KeyValue(k.FlowRunStart.Format("2006-01-02T15")) + ".json", nil
				},
				Body: func(context.Context) (int, error) { calls.Add(1); return 7, nil }})
			keys = append(keys, st.Key())
			v, err := st.Result()
			if err == nil && fail {
				err = errValue // the attempt fails after the task finished
			}
			return v, err
		}).WithOptions(runtime.RunID("night-1"))
		return flow.State(ctx)
	}
	first := time.Date(2026, 12, 7, 23, 59, 0, 0, time.UTC)
	if st := attempt(first, true); !st.IsFailed() {
		t.Fatalf("first attempt: %s, want Failed", st.Name())
	}
	st := attempt(first.Add(2*time.Hour), false) // the next day
	if v, err := st.Result(); v != 7 || err != nil {
		t.Fatalf("resumed run = %d, %v; want 7", v, err)
	}
	if calls.Load() != 1 || len(keys) != 2 || keys[0] != "2026-12-07T23.json" || keys[1] != keys[0] {
		t.Errorf("the task ran %d times under keys %q; want once, both attempts at 2026-12-07T23.json", calls.Load(), keys)
	}
}

// A memory hit serves a record it judged before under the same plan
// without judging it again (record.Kept); a run under other settings
// judges it anew, and a record rewritten at the key is a new record.
func TestMemoryHitsJudgedPerPlan(t *testing.T) {
	ctx, _, _ := newEngine(t, map[string]string{settings.Keyring: "k1:" + b64Key(1)})
	var n atomic.Int64
	def := taskDef("count", true, runtime.Config{Storage: "memory", CacheKeyFn: true})
	def.TypeHash, def.TypeDesc = typeid.Of[int]().Hash(), typeid.Of[int]().Canonical() // as generated: the plan keeps the type
	counter := newTask(def, func(context.Context) (int, error) { return int(n.Add(1)), nil })
	run := func(opts ...runtime.Option) *runtime.State[int] {
		t.Helper()
		inv := counter.WithOptions(opts...).inv()
		inv.CacheKey = func(context.Context) (string, error) { return "count/latest", nil }
		return runtime.Run(ctx, inv)
	}
	steps := []struct {
		name      string
		opts      []runtime.Option
		want      int
		wantState string
		why       string
	}{
		{"first run computes", nil, 1, "Completed", ""},
		{"a hit checks the record whole", nil, 1, "Cached", ""},
		{"a hit keeps its value and verdict", nil, 1, "Cached", ""},
		{"a hit under the same plan", nil, 1, "Cached", ""},
		{"another plan judges it anew: not encrypted", []runtime.Option{runtime.Encrypt(true)}, 2, "Completed", "not encrypted"},
		{"the sealed record, read by the first plan", nil, 2, "Cached", ""},
		{"refresh rewrites the record", []runtime.Option{runtime.RefreshCache(true)}, 3, "Completed", ""},
		{"the new record, not the one judged before", nil, 3, "Cached", ""},
		{"and again", nil, 3, "Cached", ""},
		{"and again, kept", nil, 3, "Cached", ""},
		{"and again, judged before", nil, 3, "Cached", ""},
	}
	for _, s := range steps {
		st := run(s.opts...)
		v, err := st.Result()
		if err != nil || v != s.want || st.Name() != s.wantState || !strings.Contains(st.CacheReason(), s.why) {
			t.Fatalf("%s: got %d, %v (%s: %s), want %d (%s: ...%s...)", s.name, v, err, st.Name(), st.CacheReason(), s.want, s.wantState, s.why)
		}
		if st.IsCached() && st.CodeVersion() != def.Source {
			t.Errorf("%s: a hit's code version %q, want the record's %q", s.name, st.CodeVersion(), def.Source)
		}
	}
}

// greetCall is a call struct as generated wrappers declare (runtime.Args).
type greetCall struct {
	name  string
	calls *atomic.Int64
}

func (c greetCall) Inputs(h *runtime.Hasher) error {
	if h.Param("name") {
		h.String(c.name)
	}
	return nil
}

func (c greetCall) Body(context.Context) (string, error) {
	c.calls.Add(1)
	return "hello " + c.name, nil
}

// An invocation's Args hash and run the function as its Inputs and Body
// closures do: the same key, so a record written through one is a hit
// through the other (wrappers generated before Args keep their records).
func TestArgsAgreeWithClosures(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	def := taskDef("greet", true, runtime.Config{CachePolicy: "inputs+task_source"})
	def.GoType = "string"
	var calls atomic.Int64
	closures := func(name string) runtime.Invocation[string] {
		c := greetCall{name: name, calls: &calls}
		return runtime.Invocation[string]{Def: def, Inputs: c.Inputs, Body: c.Body}
	}
	args := func(name string) runtime.Invocation[string] {
		return runtime.Invocation[string]{Def: def, Args: greetCall{name: name, calls: &calls}}
	}
	first := runtime.Run(ctx, closures("ada"))
	if v, err := first.Result(); err != nil || v != "hello ada" || first.IsCached() {
		t.Fatalf("first run: %q, %v, cached=%v", v, err, first.IsCached())
	}
	for i, inv := range []runtime.Invocation[string]{args("ada"), args("ada"), closures("ada")} {
		st := runtime.Run(ctx, inv)
		if v, err := st.Result(); err != nil || v != "hello ada" || !st.IsCached() || st.Key() != first.Key() {
			t.Errorf("call %d: %q, %v, cached=%v (%s), key %s, want %s", i, v, err, st.IsCached(), st.CacheReason(), st.Key(), first.Key())
		}
	}
	other := runtime.Run(ctx, args("bob"))
	if v, err := other.Result(); err != nil || v != "hello bob" || other.IsCached() || other.Key() == first.Key() {
		t.Errorf("other inputs: %q, %v, cached=%v, key %s", v, err, other.IsCached(), other.Key())
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("the function ran %d times, want 2", n)
	}
}
