package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// sumDef is a task Sum(n int, verbose bool) with the default cache policy
// minus verbose, its code version covering itself and a helper.
func sumDef(source, helperHash, typeDesc string) *runtime.Def {
	return runtime.TrustTypes(&runtime.Def{
		Kind: runtime.KindTask, Name: "Sum", Func: "example.com/app.Sum",
		Source: source, Params: []string{"n", "verbose"}, GoType: "app.Total", Value: true,
		Units: []string{
			"func Sum 111111111111 app/app.go:10",
			"func normalize " + helperHash + " app/clean.go:42",
			"module std@go1.26",
		},
		TypeHash: "sha256:" + typeDesc, TypeDesc: typeDesc,
		Config: runtime.Config{CachePolicy: "inputs-verbose+task_source"},
	})
}

func runSum(ctx context.Context, def *runtime.Def, n int) *runtime.State[int] {
	return runtime.Run(ctx, runtime.Invocation[int]{
		Def: def,
		Inputs: func(h *runtime.Hasher) error {
			if h.Param("n") {
				h.Int(int64(n))
			}
			if h.Param("verbose") {
				h.Bool(true)
			}
			return nil
		},
		Body: func(context.Context) (int, error) { return n * 2, nil },
	})
}

func TestKeyManifest(t *testing.T) {
	ctx, _, dir := newEngine(t, nil)
	st := runSum(ctx, sumDef("sha256:a", "aaaaaaaaaaaa", "app.Total=struct{N int}"), 3)
	if _, err := st.Result(); err != nil {
		t.Fatal(err)
	}
	m, err := record.ReadMeta(ctx, mustLocal(t, dir), st.Key())
	if err != nil {
		t.Fatal(err)
	}
	man := m.Manifest
	if man == nil {
		t.Fatal("record has no manifest")
	}
	if man.KeyFrom != "cache_policy" || man.Policy != "inputs-verbose+task_source" || man.Source != "sha256:a" || len(man.Units) != 3 || man.Inputs == "" {
		t.Errorf("manifest = %+v", man)
	}
	if len(man.Params) != 2 || man.Params[0].Name != "n" || len(man.Params[0].Hash) != 16 || !man.Params[1].Excluded || man.Params[1].Hash != "" {
		t.Errorf("params = %+v", man.Params)
	}
	// the same value hashes the same; the value itself is not stored
	raw, _ := os.ReadFile(filepath.Join(dir, st.Key()))
	if strings.Contains(string(raw), `"n":3`) {
		t.Errorf("record holds a parameter value")
	}
}

func mustLocal(t *testing.T, dir string) storage.Storage {
	t.Helper()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestExplainMisses(t *testing.T) {
	ctx, _, dir := newEngine(t, map[string]string{"RESULTGEN_EXPLAIN_MISSES": "true"})
	v1 := sumDef("sha256:a", "aaaaaaaaaaaa", "app.Total=struct{N int}")
	st := runSum(ctx, v1, 3)
	if got := st.CacheReason(); !strings.Contains(got, "no earlier record of Sum") {
		t.Errorf("first run: %q", got)
	}
	if st := runSum(ctx, v1, 3); !st.IsCached() {
		t.Fatalf("second run: %s (%s)", st.Name(), st.CacheReason())
	}
	st = runSum(ctx, v1, 4)
	if got := st.CacheReason(); !strings.Contains(got, "parameter n changed") || strings.Contains(got, "verbose") {
		t.Errorf("changed n: %q", got)
	}
	v2 := sumDef("sha256:b", "bbbbbbbbbbbb", "app.Total=struct{N int}")
	st = runSum(ctx, v2, 4)
	if got := st.CacheReason(); !strings.Contains(got, "code changed: func normalize (app/clean.go:42)") || strings.Contains(got, "parameter") {
		t.Errorf("changed helper: %q", got)
	}
	v3 := sumDef("sha256:b", "bbbbbbbbbbbb", "app.Total=struct{N int; Total float64}")
	st = runSum(ctx, v3, 4)
	if got := st.CacheReason(); !strings.Contains(got, "result type changed: field Total added") {
		t.Errorf("changed type: %q", got)
	}
	// the index is no record: listing skips it, keys cannot name it
	for info, err := range mustLocal(t, dir).List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if storage.IsIndexKey(info.Key) {
			t.Errorf("List yields index object %s", info.Key)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, record.IndexKey("example.com/app.Sum"))); err != nil {
		t.Errorf("no index object: %v", err)
	}
	if err := storage.ValidateKey(".index/x"); err == nil {
		t.Error(`ValidateKey(".index/x") = nil`)
	}
}

func TestExplainOffWritesNoIndex(t *testing.T) {
	ctx, _, dir := newEngine(t, map[string]string{"RESULTGEN_EXPLAIN_MISSES": "true"}, runtime.WithExplain(false))
	st := runSum(ctx, sumDef("sha256:a", "aaaaaaaaaaaa", "app.Total=struct{N int}"), 3)
	if got := st.CacheReason(); got != "no record at the key" {
		t.Errorf("reason = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, storage.IndexDir)); !os.IsNotExist(err) {
		t.Errorf("index written with explain off: %v", err)
	}
}
