package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/resulttest"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/storagetest"
)

// Prefixed passes the conformance suite over each store it may wrap.
func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Storage {
			st, err := NewPrefixed(storage.NewMemory(), "team-a")
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
	t.Run("local", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Storage {
			local, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { local.Close() })
			st, err := NewPrefixed(local, "prod/eu")
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

func TestNewPrefixedRefusesBadPrefixes(t *testing.T) {
	for _, p := range []string{"", "..", "a/", "/a", ".locks", "a/../b"} {
		if _, err := NewPrefixed(storage.NewMemory(), p); err == nil {
			t.Errorf("NewPrefixed(%q) succeeded", p)
		}
	}
}

// The task's record lands under the prefix, and the next run loads it.
func TestHelloUnderThePrefix(t *testing.T) {
	h := resulttest.New(t, resulttest.LocalStorage())
	local, err := storage.NewLocal(h.Dir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	st, err := NewPrefixed(local, "team-a")
	if err != nil {
		t.Fatal(err)
	}
	hello := resulttest.Watch(h, HelloTask)
	task := HelloTask.WithOptions(runtime.StorageBackend(st))
	for range 2 {
		if v, err := task.Call(h.Context(), "world"); err != nil || v != "hello world" {
			t.Fatalf("Hello = %q, %v", v, err)
		}
	}
	hello.AssertHit()
	if n := hello.Calls(); n != 1 {
		t.Errorf("Hello ran %d times, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(h.Dir(), "team-a", "hello-world.json")); err != nil {
		t.Errorf("no record under the prefix: %v", err)
	}
}
