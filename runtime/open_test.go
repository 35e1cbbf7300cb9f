package runtime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

func TestOpenStorageMemory(t *testing.T) {
	ctx, e, _ := newEngine(t, nil)
	st, err := runtime.OpenStorage(ctx, "memory")
	if err != nil {
		t.Fatal(err)
	}
	// The engine's one in-memory store: tasks writing to "memory" on this
	// engine write here.
	same, err := e.OpenStorage("memory")
	if err != nil || same != st {
		t.Fatalf("engine's memory store = %v, %v; want the one OpenStorage returned", same, err)
	}
	if err := st.Put(ctx, "k", strings.NewReader("v"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "k"); err != nil {
		t.Fatalf("stat after put: %v", err)
	}
	// Another engine has a store of its own.
	other, _, _ := newEngine(t, nil)
	st2, err := runtime.OpenStorage(other, "memory")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st2.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("stat on another engine's memory = %v; want ErrNotFound", err)
	}
}

func TestOpenStorageBadSpec(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	for _, tt := range []struct {
		spec string
		err  error
	}{
		{spec: "ftp://results/x"},
		{spec: "mem"},
		{spec: "local:"},
		{spec: "s3/nosuch", err: runtime.ErrUnknownStorage},
		{spec: "gcs/prod", err: runtime.ErrUnknownStorage},
	} {
		st, err := runtime.OpenStorage(ctx, tt.spec)
		if err == nil {
			t.Errorf("OpenStorage(%q) = %v; want an error", tt.spec, st)
			continue
		}
		if !strings.Contains(err.Error(), `"`+tt.spec+`"`) {
			t.Errorf("OpenStorage(%q) = %v; want the error to name the spec", tt.spec, err)
		}
		if tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("OpenStorage(%q) = %v; want %v", tt.spec, err, tt.err)
		}
	}
}

// TestOpenStorageUsesEngineOfContext: "" and "local" open the local storage
// of the engine ctx carries.
func TestOpenStorageUsesEngineOfContext(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	for _, spec := range []string{"", "local"} {
		st, err := runtime.OpenStorage(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.String(); !strings.Contains(got, local) {
			t.Errorf("OpenStorage(%q) = %s; want the engine's local storage %s", spec, got, local)
		}
	}
}
