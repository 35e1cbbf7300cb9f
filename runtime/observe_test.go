package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// obsRecorder is an Observer that notes attempts and reports, and fails or
// stubs attempts of the tasks named in fail and stub.
type obsRecorder struct {
	mu       sync.Mutex
	attempts []string
	reports  []runtime.RunReport
	fail     map[string]error
	stub     map[string]any
}

func (r *obsRecorder) Attempt(_ context.Context, run runtime.RunInfo) (func(context.Context) (any, error), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, run.Name)
	if err, ok := r.fail[run.Name]; ok {
		delete(r.fail, run.Name)
		return nil, err
	}
	if v, ok := r.stub[run.Name]; ok {
		return func(context.Context) (any, error) { return v, nil }, nil
	}
	return nil, nil
}

func (r *obsRecorder) Finished(_ context.Context, run runtime.RunReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, run)
}

// An observer sees each attempt (retries included) and each final run,
// hits too, for Run and Call alike; its error fails an attempt as the
// body's would, and its stub replaces the body.
func TestObserver(t *testing.T) {
	rec := &obsRecorder{fail: map[string]error{"flaky": errors.New("injected")}, stub: map[string]any{"stubbed": 42}}
	ctx, _, _ := newEngine(t, nil, runtime.WithObserver(rec), runtime.WithStore(storage.NewMemory()))
	body := func(context.Context) (int, error) { return 7, nil }
	flaky := runtime.Invocation[int]{Def: taskDef("flaky", true, runtime.Config{Retries: 1}), Body: body}
	if v, err := runtime.Call(ctx, flaky); err != nil || v != 7 {
		t.Errorf("flaky = %d, %v; want the retry's 7", v, err)
	}
	if v, err := runtime.Call(ctx, runtime.Invocation[int]{Def: taskDef("stubbed", true, runtime.Config{}), Body: body}); err != nil || v != 42 {
		t.Errorf("stubbed = %d, %v; want the stub's 42", v, err)
	}
	kept := runtime.Invocation[int]{Def: taskDef("kept", true, runtime.Config{CachePolicy: "inputs"}), Body: body}
	for range 2 {
		if st := runtime.Run(ctx, kept); st.IsFailed() {
			t.Fatal(st.Err())
		}
	}
	wrong := runtime.Invocation[string]{Def: &runtime.Def{Kind: runtime.KindTask, Name: "stubbed", Func: "example.com/app.stubbed", GoType: "string", Value: true},
		Body: func(context.Context) (string, error) { return "body", nil }}
	if _, err := runtime.Call(ctx, wrong); err == nil {
		t.Error("a stub of the wrong type went unnoticed")
	}

	if want := []string{"flaky", "flaky", "stubbed", "kept", "stubbed"}; !slices.Equal(rec.attempts, want) {
		t.Errorf("attempts %q, want %q (the hit runs none)", rec.attempts, want)
	}
	var got []string
	for _, r := range rec.reports {
		got = append(got, fmt.Sprintf("%s:%s:%v", r.Name, r.State, r.Persisted))
	}
	want := []string{"flaky:Completed:false", "stubbed:Completed:false", "kept:Completed:true", "kept:Cached:true", "stubbed:Failed:false"}
	if !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
	if r := rec.reports[2]; r.CacheReason != "no record at the key" || r.Key == "" || r.Storage != "memory" || r.Func != "example.com/app.kept" {
		t.Errorf("the miss's report: %+v", r)
	}
}

// WithStore sends every storage spec to one store: the local storage path
// stays empty.
func TestWithStore(t *testing.T) {
	st := storage.NewMemory()
	ctx, _, local := newEngine(t, nil, runtime.WithStore(st))
	inv := runtime.Invocation[int]{Def: taskDef("local", true, runtime.Config{Storage: "local", StorageKey: "k.msgpack"}),
		StorageKey: func(runtime.KeyContext) (string, error) { return "k.msgpack", nil },
		Body:       func(context.Context) (int, error) { return 1, nil }}
	if s := runtime.Run(ctx, inv); s.IsFailed() {
		t.Fatal(s.Err())
	}
	if _, err := st.Stat(ctx, "k.msgpack"); err != nil {
		t.Errorf("the record is not in the WithStore store: %v", err)
	}
	if _, err := os.Stat(filepath.Join(local, "k.msgpack")); err == nil {
		t.Error("the record went to the local storage path")
	}
}

// mainRow stands for a named result type of a package main.
type mainRow struct{ Name string }

// `go test` of a package main gives its types the package's import path,
// where the generator (as a built program) writes "main": a Def generated
// for a package main still runs in its tests, and a changed type is still
// stale.
func TestMainPackageTypesUnderTest(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	path := reflect.TypeFor[mainRow]().PkgPath()
	asMain := typeid.FromCanonical(strings.ReplaceAll(typeid.Of[mainRow]().Canonical(), path+".", "main."))
	def := &runtime.Def{Kind: runtime.KindTask, Name: "row", Func: path + ".Row", GoType: "main.mainRow", Value: true,
		TypeHash: asMain.Hash(), TypeDesc: asMain.Canonical(), Package: &runtime.Package{Path: path}}
	inv := runtime.Invocation[mainRow]{Def: def, Body: func(context.Context) (mainRow, error) { return mainRow{"a"}, nil }}
	if v, err := runtime.Call(ctx, inv); err != nil || v.Name != "a" {
		t.Errorf("a package main's Def under go test: %v, %v", v, err)
	}
	inv.Def = &runtime.Def{Kind: runtime.KindTask, Name: "row", Func: path + ".Row", GoType: "main.mainRow", Value: true,
		TypeHash: asMain.Hash(), TypeDesc: asMain.Canonical(), Package: &runtime.Package{Path: "example.com/other"}}
	if _, err := runtime.Call(ctx, inv); !errors.Is(err, runtime.ErrStale) {
		t.Errorf("another package's type: %v, want ErrStale", err)
	}
}
