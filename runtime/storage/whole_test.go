package storage_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/resultgen/resultgen/runtime/storage"
)

// GetWhole reads small regular files beneath the folder, as Get would, and
// declines everything else, leaving Get to report it.
func TestLocalGetWhole(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("GetWhole reads in place on Linux only")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(key string, b []byte) {
		if err := st.Put(ctx, key, bytes.NewReader(b), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	small, big := bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 5000)
	put("small", small)
	put("dir/nested/small", small)
	put("big", big)
	for _, key := range []string{"small", "dir/nested/small"} {
		b, info, ok := st.GetWhole(ctx, key, 4096)
		want, _ := st.Stat(ctx, key)
		if !ok || !bytes.Equal(b, small) || info.Key != key || info.Size != want.Size || !info.Modified.Equal(want.Modified) {
			t.Fatalf("GetWhole(%q): ok %v, %d bytes, info %+v, Stat %+v", key, ok, len(b), info, want)
		}
	}
	if _, _, ok := st.GetWhole(ctx, "big", 4096); ok {
		t.Error("GetWhole read a file larger than max")
	}
	if b, _, ok := st.GetWhole(ctx, "big", 8192); !ok || !bytes.Equal(b, big) {
		t.Error("GetWhole did not read a file within max")
	}
	for _, key := range []string{"missing", "dir", "dir/nested"} {
		if _, _, ok := st.GetWhole(ctx, key, 4096); ok {
			t.Errorf("GetWhole(%q) read something", key)
		}
	}
	// A symbolic link inside the folder is followed, as Get does; one out
	// of it is declined, and Get refuses it too.
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("small", filepath.Join(dir, "inside")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../"+filepath.Base(filepath.Dir(outside))+"/secret", filepath.Join(dir, "escape-rel")); err != nil {
		t.Fatal(err)
	}
	if b, _, ok := st.GetWhole(ctx, "inside", 4096); !ok || !bytes.Equal(b, small) {
		t.Errorf("GetWhole of a link inside the folder: ok %v, %q", ok, b)
	}
	for _, key := range []string{"escape", "escape-rel"} {
		if b, _, ok := st.GetWhole(ctx, key, 4096); ok {
			t.Errorf("GetWhole(%q) read %q from outside the folder", key, b)
		}
		if rc, err := st.Get(ctx, key); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Get(%q) read %q from outside the folder", key, b)
		}
	}
	// a cancelled context, an invalid key
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, ok := st.GetWhole(cctx, "small", 4096); ok {
		t.Error("GetWhole read with a cancelled context")
	}
	if _, _, ok := st.GetWhole(ctx, "../small", 4096); ok {
		t.Error("GetWhole read an invalid key")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := st.GetWhole(ctx, "small", 4096); ok {
		t.Error("GetWhole read from a closed store")
	}
}

// Reading a small file whole allocates its buffer and little else.
func TestLocalGetWholeAllocations(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("GetWhole reads in place on Linux only")
	}
	ctx := context.Background()
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Put(ctx, "k", bytes.NewReader(make([]byte, 1024)), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if _, _, ok := st.GetWhole(ctx, "k", 4096); !ok {
			t.Fatal("not read")
		}
	})
	if allocs > 4 {
		t.Errorf("GetWhole of 1 KiB makes %v allocations, want at most 4", allocs)
	}
}
