package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The three kinds of result the seeds describe: unpersisted (memory only),
// literal (inline in the record) and persisted (a reference to storage).
func TestResultKinds(t *testing.T) {
	ctx, _, local := newEngine(t, nil)

	plain := newTask(taskDef("plain", true, runtime.Config{}), func(context.Context) (int, error) { return 7, nil })
	st := plain.State(ctx)
	if k := st.Data().Kind(); k != runtime.Unpersisted || st.Data().Location() != "" {
		t.Errorf("plain task: kind %v at %q, want unpersisted nowhere", k, st.Data().Location())
	}
	if v, err := st.Data().Get(ctx); v != 7 || err != nil {
		t.Errorf("plain task: Get = %d, %v", v, err)
	}

	flag := newTask(taskDef("flag", true, runtime.Config{Persist: ptr(true)}), func(context.Context) (bool, error) { return true, nil })
	st2 := flag.State(ctx)
	meta, ok := st2.Data().Meta()
	if k := st2.Data().Kind(); k != runtime.Literal || !ok || meta.Literal == nil || *meta.Literal != "true" || meta.Size != 0 {
		t.Errorf("bool task: kind %v, meta %+v; want a literal record with no payload", k, meta)
	}

	rows := newTask(taskDef("rows", true, runtime.Config{Persist: ptr(true)}), func(context.Context) ([]string, error) { return []string{"a", "b"}, nil })
	st3 := rows.State(ctx)
	if k := st3.Data().Kind(); k != runtime.Persisted || filepath.Dir(st3.Data().Location()) != local {
		t.Errorf("rows task: kind %v at %q, want persisted under %s", k, st3.Data().Location(), local)
	}

	failed := newTask(taskDef("failed", true, runtime.Config{}), func(context.Context) (int, error) { return 0, errors.New("no") })
	if d := failed.State(ctx).Data(); d != nil {
		t.Errorf("a failed run has result %+v, want none", d)
	}
}

// A reference reads nothing until Get, then keeps the value.
func TestReferenceLoadsLazilyAndKeeps(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	store, err := storage.NewLocal(local)
	if err != nil {
		t.Fatal(err)
	}
	ref := runtime.Reference[[]string](store, "later.json")
	if _, err := ref.Get(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get before the record exists: %v, want ErrNotFound", err)
	}

	rows := newTask(taskDef("rows", true, runtime.Config{StorageKey: "later.json"}), func(context.Context) ([]string, error) { return []string{"a", "b"}, nil })
	if _, err := runtime.Run(ctx, runtime.Invocation[[]string]{
		Def:        rows.def,
		StorageKey: func(runtime.KeyContext) (string, error) { return "later.json", nil },
		Body:       rows.body,
	}).Result(); err != nil {
		t.Fatal(err)
	}
	v, err := ref.Get(ctx)
	if err != nil || len(v) != 2 || v[1] != "b" {
		t.Fatalf("Get = %v, %v", v, err)
	}
	if m, ok := ref.Meta(); !ok || m.Task != "rows" || ref.Kind() != runtime.Persisted {
		t.Errorf("meta after Get: %+v, %v; kind %v", m, ok, ref.Kind())
	}
	if err := os.Remove(filepath.Join(local, "later.json")); err != nil {
		t.Fatal(err)
	}
	if v, err := ref.Get(ctx); err != nil || len(v) != 2 {
		t.Errorf("Get after the record is gone: %v, %v; want the kept value", v, err)
	}
}

// With cache_in_memory=false the value is read from storage on every Get,
// and never kept.
func TestDroppedResultIsNotKept(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	big := newTask(taskDef("big", true, runtime.Config{CacheInMemory: ptr(false)}), func(context.Context) ([]int, error) { return []int{1, 2, 3}, nil })
	st := big.State(ctx)
	for range 2 {
		if v, err := st.Data().Get(ctx); err != nil || len(v) != 3 {
			t.Fatalf("Get = %v, %v", v, err)
		}
	}
	if err := os.Remove(st.Location()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Data().Get(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after the record is gone: %v, want ErrNotFound (nothing kept in memory)", err)
	}
}

// A failed run of a persisted task writes no record, and its State says so:
// not persisted, no location, no size (seed 001: a failed task has no
// result); its key and storage still say where the run looked, so that a
// user can find what it tried. PersistReason still says what a success
// would have done.
func TestFailedStateHasNoRecord(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	failing := newTask(taskDef("failing", true, runtime.Config{Persist: ptr(true)}), func(context.Context) (int, error) {
		return 0, errors.New("no")
	})
	st := failing.State(ctx)
	if !st.IsFailed() {
		t.Fatalf("state %s, want Failed", st.Name())
	}
	if st.Persisted() || st.Location() != "" || st.Size() != 0 {
		t.Errorf("failed state: Persisted %v, Location %q, Size %d; want false, empty, 0", st.Persisted(), st.Location(), st.Size())
	}
	if st.Key() == "" || st.Storage() == "" {
		t.Errorf("failed state: Key %q, Storage %q; want where the run looked", st.Key(), st.Storage())
	}
	if got := files(t, local); len(got) != 0 {
		t.Errorf("records after a failed run: %v, want none", got)
	}
	if st.PersistReason() == "" {
		t.Error("PersistReason is empty; want why a success would have been persisted")
	}
}
