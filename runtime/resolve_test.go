package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"

	"github.com/resultgen/resultgen/internal/rules"
)

// A task called from a subflow inherits what the outer flow set, and its
// reason names the outer flow, which set it.
func TestResolveNestedNamesTheFlowThatSetIt(t *testing.T) {
	s := settings.Settings{}
	outer := &runtime.Def{Kind: runtime.KindFlow, Name: "outer", Config: runtime.Config{Storage: "s3/prod"}}
	inner := &runtime.Def{Kind: runtime.KindFlow, Name: "inner"}
	task := &runtime.Def{Kind: runtime.KindTask, Name: "t", Value: true}
	ro, err := rules.Resolve(funcOf(outer), outer.Config, nil, s.Defaults(), false, false)
	if err != nil {
		t.Fatal(err)
	}
	ri, err := rules.Resolve(funcOf(inner), inner.Config, &ro.Passes, s.Defaults(), false, false)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Persist.Reason != "inherited from flow outer (storage=s3/prod)" || ri.StorageFrom != "flow outer" {
		t.Errorf("inner: reason %q, storage from %q", ri.Persist.Reason, ri.StorageFrom)
	}
	rt, err := rules.Resolve(funcOf(task), task.Config, &ri.Passes, s.Defaults(), false, false)
	if err != nil {
		t.Fatal(err)
	}
	want := rules.Resolved{Name: "t", Storage: "s3/prod", StorageFrom: "flow outer", Serializer: "msgpack", SerializerFrom: rules.FromDefault, KeyKind: rules.KeyCachePolicy, InMemory: true}
	if rt.Persist.Reason != "inherited from flow outer (storage=s3/prod)" || rt.Persist.From != "outer" || !rt.Persist.Persist ||
		rt.Storage != want.Storage || rt.StorageFrom != want.StorageFrom || rt.Serializer != want.Serializer ||
		rt.SerializerFrom != want.SerializerFrom || rt.KeyKind != want.KeyKind || rt.InMemory != want.InMemory {
		t.Errorf("task: %+v", rt)
	}
}

// Runs of one function resolve their settings once, but a run whose
// settings differ (an option, or the Def changed between runs) follows
// its own settings.
func TestRepeatedRunsFollowChangedSettings(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	def := taskDef("again", true, runtime.Config{})
	tk := newTask(def, func(context.Context) (int, error) { return 1, nil })
	for range 2 {
		if st := tk.State(ctx); st.Persisted() {
			t.Fatalf("persisted without a setting: %s", st.PersistReason())
		}
	}
	if st := tk.WithOptions(runtime.Persist(true)).State(ctx); !st.Persisted() {
		t.Fatalf("persist option ignored: %s", st.PersistReason())
	}
	def.Config.Persist = ptr(true)
	if st := tk.State(ctx); !st.Persisted() {
		t.Fatalf("persist=true set on the Def ignored: %s", st.PersistReason())
	}
	*def.Config.Persist = false
	if st := tk.State(ctx); st.Persisted() {
		t.Fatalf("persist=false set on the Def ignored: %s", st.PersistReason())
	}
	flow := newTask(flowDef("outer", true, runtime.Config{}), func(ctx context.Context) (int, error) {
		for i := range 3 {
			st := tk.WithOptions(runtime.Persist(i == 1)).State(ctx)
			if st.Persisted() != (i == 1) {
				t.Errorf("call %d in a flow: persisted=%v: %s", i, st.Persisted(), st.PersistReason())
			}
		}
		return 0, nil
	})
	if _, err := flow.Call(ctx); err != nil {
		t.Fatal(err)
	}
}

// funcOf is what rules.Resolve reads of def.
func funcOf(def *runtime.Def) rules.Func {
	return rules.Func{Kind: def.Kind, Name: def.Name, Value: def.Value}
}

// nameOnly is a value that names a store but is not one.
type nameOnly struct{}

func (nameOnly) String() string { return "not-a-store" }

// A Config built by hand with a StorageBackend that is not a
// storage.Storage (rules.Store asks only for a name) fails the run with an
// error saying so and naming the option that sets one, without calling the
// body.
func TestStorageBackendNotAStore(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	tk := newTask(taskDef("handmade", true, runtime.Config{StorageBackend: nameOnly{}, Persist: ptr(true)}),
		func(context.Context) (int, error) { return 1, nil })
	_, err := tk.Call(ctx)
	if err == nil || !strings.Contains(err.Error(), "handmade: StorageBackend runtime_test.nameOnly is not a storage.Storage: set it with runtime.StorageBackend") {
		t.Fatalf("Call = %v; want the error naming the store's type and runtime.StorageBackend", err)
	}
	if n := tk.calls.Load(); n != 0 {
		t.Errorf("the body ran %d times", n)
	}
}
