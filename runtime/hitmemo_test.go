package runtime_test

import (
	"bytes"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/testdata/hits"
)

// A hit on memory storage hands out a value of the caller's own: changing
// it, or the metadata the hit reports, changes nothing a later hit sees,
// although the store checks the record once and keeps its header.
func TestMemoryHitsAreTheCallersOwn(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	want := bytes.Repeat([]byte("b"), 100)
	if v, err := hits.BlobTask.Call(ctx, 100); err != nil || !bytes.Equal(v, want) {
		t.Fatalf("first run: %q, %v", v, err)
	}
	for i := range 3 {
		st := hits.BlobTask.State(ctx, 100)
		v, err := st.Result()
		if err != nil || !st.IsCached() || !bytes.Equal(v, want) {
			t.Fatalf("hit %d: cached %v, %q, %v", i, st.IsCached(), v, err)
		}
		clear(v) // the caller's to change
		m, ok := st.Meta()
		if !ok || m.Manifest == nil || len(m.Manifest.Units) == 0 {
			t.Fatalf("hit %d: meta %+v, %v", i, m, ok)
		}
		m.Manifest.Units[0] = "changed"
		m.Serializer.Type = "changed"
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels["changed"] = "yes"
		again, _ := st.Meta()
		if again.Manifest.Units[0] == "changed" || again.Serializer.Type == "changed" || again.Labels["changed"] != "" {
			t.Fatalf("hit %d: a change to Meta's copy shows in the state's: %+v", i, again)
		}
	}
	// A record written anew is checked anew: the hit after it serves it.
	hits.Refill = 'c'
	defer func() { hits.Refill = 'b' }()
	if _, err := hits.BlobTask.WithOptions(runtime.RefreshCache(true)).Call(ctx, 100); err != nil {
		t.Fatal(err)
	}
	st := hits.BlobTask.State(ctx, 100)
	if v, err := st.Result(); err != nil || !st.IsCached() || !bytes.Equal(v, bytes.Repeat([]byte("c"), 100)) {
		t.Fatalf("hit after a refresh: cached %v, %q, %v", st.IsCached(), v, err)
	}
}
