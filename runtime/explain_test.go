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

// runScopedDef is a task persisted by serializer=compressed/json alone,
// keyed by the default cache policy (inputs+task_source+run_id).
func runScopedDef() *runtime.Def {
	return runtime.TrustTypes(&runtime.Def{
		Kind: runtime.KindTask, Name: "Pack", Func: "example.com/app.Pack",
		Source: "sha256:pack", Params: []string{"n"}, GoType: "int", Value: true,
		Config: runtime.Config{Serializer: "compressed/json"},
	})
}

// runInFlow runs Pack(3) in a new run of flow "daily" and returns Pack's
// state.
func runInFlow(t *testing.T, ctx context.Context) *runtime.State[int] {
	t.Helper()
	def := runScopedDef()
	var st *runtime.State[int]
	flow := newTask(flowDef("daily", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		st = runtime.Run(ctx, runtime.Invocation[int]{
			Def:    def,
			Inputs: func(h *runtime.Hasher) error { h.Param("n"); h.Int(3); return nil },
			Body:   func(context.Context) (int, error) { return 6, nil },
		})
		return runtime.Void{}, st.Err()
	})
	if _, err := flow.Call(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// With RESULTGEN_EXPLAIN_MISSES unset, a user who turns DEBUG on sees why
// each persisted task missed, with no option: a run-scoped task (persisted
// by its serializer alone, default cache policy) says its key has the run
// id, then, once the index holds a record, that the flow run changed.
func TestExplainAtDebugByDefault(t *testing.T) {
	logs := &syncBuffer{}
	ctx, _, dir := newEngineLogging(t, map[string]string{"RESULTGEN_LOGGING_LEVEL": "DEBUG"}, runtime.WithLogHandler(debugText(logs)))
	first := runInFlow(t, ctx)
	if got := first.CacheReason(); !strings.Contains(got, "no record at the key") || !strings.Contains(got, "cache_policy has run_id") ||
		!strings.Contains(got, "reused only within one flow run") {
		t.Errorf("first run at DEBUG: %q; want it to say the key has the run id", got)
	}
	second := runInFlow(t, ctx)
	if !second.IsCompleted() || second.IsCached() {
		t.Fatalf("second flow run: %s; want a miss (a new run id)", second.Name())
	}
	got := second.CacheReason()
	if !strings.Contains(got, "flow run changed: ") || !strings.Contains(got, "(cache_policy has run_id)") {
		t.Errorf("second run at DEBUG: %q; want the flow run named as what changed", got)
	}
	if !strings.Contains(logs.String(), "task Pack: Completed") || !strings.Contains(logs.String(), "flow run changed: ") {
		t.Errorf("the DEBUG log does not say why Pack missed:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, record.IndexKey("example.com/app.Pack"))); err != nil {
		t.Errorf("no index object at DEBUG: %v", err)
	}
}

// Below DEBUG, with RESULTGEN_EXPLAIN_MISSES unset, nothing is explained,
// read or written for it; set to false, it stays off at DEBUG too.
func TestExplainOffBelowDebug(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
	}{
		{"warning", nil},
		{"info", map[string]string{"RESULTGEN_LOGGING_LEVEL": "INFO"}},
		{"debug, explain set false", map[string]string{"RESULTGEN_LOGGING_LEVEL": "DEBUG", "RESULTGEN_EXPLAIN_MISSES": "false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			ctx, _, dir := newEngineLogging(t, tc.vars, runtime.WithLogHandler(debugText(logs)))
			for range 2 {
				if got := runInFlow(t, ctx).CacheReason(); got != "no record at the key" {
					t.Errorf("reason = %q; want the lookup's alone", got)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, storage.IndexDir)); !os.IsNotExist(err) {
				t.Errorf("index written: %v", err)
			}
		})
	}
}
