package runtime_test

import (
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// A task called from a subflow inherits what the outer flow set, and its
// reason names the outer flow, which set it.
func TestResolveNestedNamesTheFlowThatSetIt(t *testing.T) {
	s := settings.Settings{}
	outer := &runtime.Def{Kind: runtime.KindFlow, Name: "outer", Config: runtime.Config{Storage: "s3/prod"}}
	inner := &runtime.Def{Kind: runtime.KindFlow, Name: "inner"}
	task := &runtime.Def{Kind: runtime.KindTask, Name: "t", Value: true}
	ro, err := runtime.Resolve(outer, outer.Config, nil, s, false, false)
	if err != nil {
		t.Fatal(err)
	}
	ri, err := runtime.Resolve(inner, inner.Config, &ro.Passes, s, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Persist.Reason != "inherited from flow outer (storage=s3/prod)" || ri.StorageFrom != "flow outer" {
		t.Errorf("inner: reason %q, storage from %q", ri.Persist.Reason, ri.StorageFrom)
	}
	rt, err := runtime.Resolve(task, task.Config, &ri.Passes, s, false, false)
	if err != nil {
		t.Fatal(err)
	}
	want := runtime.Resolved{Name: "t", Storage: "s3/prod", StorageFrom: "flow outer", Serializer: "msgpack", SerializerFrom: runtime.FromDefault, KeyKind: runtime.KeyCachePolicy, InMemory: true}
	if rt.Persist.Reason != "inherited from flow outer (storage=s3/prod)" || rt.Persist.From != "outer" || !rt.Persist.Persist ||
		rt.Storage != want.Storage || rt.StorageFrom != want.StorageFrom || rt.Serializer != want.Serializer ||
		rt.SerializerFrom != want.SerializerFrom || rt.KeyKind != want.KeyKind || rt.InMemory != want.InMemory {
		t.Errorf("task: %+v", rt)
	}
}
