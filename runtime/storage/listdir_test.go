package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime/storage"
)

// TestListLargeFolderSpills lists a store whose folders are sorted in runs
// spilled to temporary files (as a folder of more than 65,536 names is) and
// checks that List yields the same keys, in the same order, as it does when
// every folder is sorted in memory, for every prefix shape: none, a folder,
// a partial name. Names are chosen so that a folder ("a", listed as "a/")
// sorts between files that share its name ("a.x" before, "a0" after).
func TestListLargeFolderSpills(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var want []string
	add := func(key string) {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
		want = append(want, key)
	}
	for i := range 700 {
		add(fmt.Sprintf("%08x", rng.Uint32()))
		if i%50 == 0 {
			add(fmt.Sprintf("a/%04d", i))
			add(fmt.Sprintf("a/b/%04d", i))
		}
	}
	for _, k := range []string{"a.x", "a0", "a-", "b/c", "b.c"} {
		add(k)
	}
	// The store's own files are never listed, however they sort; Temps
	// lists those that are resultgen's, in path order.
	temps := []string{".tmp-1-00000000000000ab", "a/.tmp-0123456789abcdef", "a/b/.tmp-7-00000000000000cd", ".locks/k1.lock", ".locks/k0.lock"}
	if err := os.MkdirAll(filepath.Join(dir, ".locks"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, junk := range append([]string{".tmp-1-2-x", "a/.tmp-3-4-y"}, temps...) {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(junk)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(want, func(a, b string) int {
		// Key order as a flat listing gives it: byte order of the keys.
		return strings.Compare(a, b)
	})

	list := func(st *storage.Local, prefix string) []string {
		var got []string
		for info, err := range st.List(ctx, prefix) {
			if err != nil {
				t.Fatalf("List(%q): %v", prefix, err)
			}
			got = append(got, info.Key)
		}
		return got
	}
	inMemory, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	spilling, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	storage.SetListRun(spilling, 7)

	for _, prefix := range []string{"", "a", "a/", "a/b/", "0", "b"} {
		var wantP []string
		for _, k := range want {
			if strings.HasPrefix(k, prefix) {
				wantP = append(wantP, k)
			}
		}
		if got := list(inMemory, prefix); !slices.Equal(got, wantP) {
			t.Errorf("List(%q) sorted in memory: %d keys, want %d; first difference at %d", prefix, len(got), len(wantP), firstDiff(got, wantP))
		}
		if got := list(spilling, prefix); !slices.Equal(got, wantP) {
			t.Errorf("List(%q) sorted in spilled runs: %d keys, want %d; first difference at %d", prefix, len(got), len(wantP), firstDiff(got, wantP))
		}
	}

	slices.Sort(temps)
	for name, st := range map[string]*storage.Local{"in memory": inMemory, "in spilled runs": spilling} {
		var got []string
		for tf, err := range st.Temps(ctx) {
			if err != nil {
				t.Fatalf("Temps: %v", err)
			}
			got = append(got, tf.Name)
		}
		if !slices.Equal(got, temps) {
			t.Errorf("Temps sorted %s = %q, want %q", name, got, temps)
		}
	}

	// A listing stopped early leaves no temporary file behind.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	n := 0
	for _, err := range spilling.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("List left %d temporary files in TMPDIR after an early stop", len(left))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
