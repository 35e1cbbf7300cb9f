package fmtcache

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sources are unformatted Go files, each formatted differently.
func sources(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "package p\nfunc   F%d( x  int )int{ return x+%d }\n", i, i)
	}
	return out
}

// TestCache: Source gives format.Source's bytes, cold and warm; a damaged
// entry is a miss, replaced; trimming removes old entries and stale
// temporary files of the cache and nothing else.
func TestCache(t *testing.T) {
	dir := t.TempDir()
	c := Open(dir)
	srcs := sources(4)
	for _, pass := range []string{"cold", "warm"} {
		for _, src := range srcs {
			want, err := format.Source(src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Source(src)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: Source = %q, %v; want %q", pass, got, err, want)
			}
		}
	}
	var es []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isHex(d.Name(), 64) {
			es = append(es, p)
		}
		return nil
	})
	if len(es) != len(srcs) {
		t.Fatalf("%d entries for %d sources", len(es), len(srcs))
	}

	// A source that does not parse is an error, and no entry.
	if _, err := c.Source([]byte("package p\nfunc (")); err == nil {
		t.Fatal("Source of a broken file: no error")
	}

	// Damage every entry: the next Source formats anew, gives the same
	// bytes and replaces the entry.
	for _, e := range es {
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-2] ^= 0x20
		if err := os.WriteFile(e, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range srcs {
		want, _ := format.Source(src)
		if got, err := c.Source(src); err != nil || !bytes.Equal(got, want) {
			t.Errorf("damaged entry served: %q, %v", got, err)
		}
		if _, ok := c.get(c.key(src)); !ok {
			t.Errorf("entry not replaced after damage")
		}
	}

	// Trim: entries unused for trimAge go; a foreign file, a fresh entry
	// and the folder's other files stay.
	old := time.Now().Add(-trimAge - time.Hour)
	if err := os.Chtimes(es[0], old, old); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(filepath.Dir(es[0]), "notes.txt")
	if err := os.WriteFile(foreign, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(foreign, old, old)
	c.trim(time.Now()) // Open trimmed less than a day ago: nothing happens
	if _, err := os.Stat(es[0]); err != nil {
		t.Fatalf("trimmed twice in a day: %v", err)
	}
	c.trim(time.Now().Add(25 * time.Hour))
	if _, err := os.Stat(es[0]); !os.IsNotExist(err) {
		t.Errorf("an entry unused for %v is still there: %v", trimAge, err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("trim removed a file the cache did not write: %v", err)
	}
	if _, err := os.Stat(es[1]); err != nil {
		t.Errorf("trim removed a fresh entry: %v", err)
	}
}

// TestDir: Env=off is no cache; a folder named by Env is used as it is;
// unset, the cache is under the user's cache folder.
func TestDir(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	if d := Dir(env(map[string]string{Env: "off"})); d != "" {
		t.Errorf("off: cache in %q", d)
	}
	if c := Open(""); c != nil {
		t.Errorf("Open(\"\") = %v, want no cache", c)
	}
	if got, err := (*Cache)(nil).Source([]byte("package p\nvar  x=1\n")); err != nil || string(got) != "package p\n\nvar x = 1\n" {
		t.Errorf("no cache: Source = %q, %v", got, err)
	}
	dir := filepath.Join(t.TempDir(), "c")
	if d := Dir(env(map[string]string{Env: dir})); d != dir {
		t.Errorf("cache in %q, want %q", d, dir)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	if d, want := Dir(env(nil)), filepath.Join(os.Getenv("XDG_CACHE_HOME"), "resultgen", "format"); d != want {
		t.Errorf("unset: cache in %q, want %q", d, want)
	}
}
