package generator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/model"
)

// TestPiecesAsWhole: rendering and formatting the file piece by piece, cut
// between any two functions, gives the bytes of rendering and formatting
// the whole file at once.
func TestPiecesAsWhole(t *testing.T) {
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.Analyze(context.Background(), model.Config{Dir: abs}, casePatterns(goldenCases(t))...)
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { emitChunk = n }(emitChunk)
	checked := 0
	for _, p := range a.Packages {
		if len(p.Funcs) == 0 {
			continue
		}
		var whole bytes.Buffer
		f, _ := build(p, true, byName(p.Funcs))
		if err := f.Render(&whole); err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		for _, n := range []int{1, 2, 3, 25} {
			emitChunk = n
			got, err := emit(p, nil)
			if err != nil {
				t.Fatalf("%s: %v", p.Path, err)
			}
			if !bytes.Equal(got, whole.Bytes()) {
				t.Errorf("%s, pieces of %d functions: not the bytes of the whole file formatted at once", p.Path, n)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages", checked)
	}
}

// TestPiecesAsWholeImports: imports met only in later pieces, an import
// aliased because the package declares its name, and two imports that want
// one name (the file is then rendered whole).
func TestPiecesAsWholeImports(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/imps\n\ngo 1.24\n",
		"a.go": `package imps

import (
	htemplate "html/template"
	"net/url"
	"text/template"
	"time"
)

var context = 1

//result:task
func A(n int) int { return n + context }

//result:task
func B(u url.URL) string { return u.String() }

//result:task
func C(d time.Duration) time.Duration { return d }

//result:task
func D(n int) *template.Template { return nil }

//result:task
func E(n int) *htemplate.Template { return nil }
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, last := range []string{"E", "D"} {
		a, err := model.Analyze(context.Background(), model.Config{Dir: dir}, ".")
		if err != nil {
			t.Fatal(err)
		}
		defer func(n int) { emitChunk = n }(emitChunk)
		for _, p := range a.Packages {
			if last == "D" { // without E: no two imports want one name
				p.Funcs = p.Funcs[:4]
			}
			var whole bytes.Buffer
			f, _ := build(p, true, byName(p.Funcs))
			if err := f.Render(&whole); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 2, 25} {
				emitChunk = n
				got, err := emit(p, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, whole.Bytes()) {
					t.Errorf("up to %s, pieces of %d: got\n%s\nwant\n%s", last, n, got, whole.Bytes())
				}
			}
			if !bytes.Contains(whole.Bytes(), []byte(`resultgenContext "context"`)) {
				t.Errorf("context not aliased:\n%s", whole.Bytes())
			}
		}
	}
}

// TestFormatCache: with the format cache, emit gives the bytes it gives
// without it, cold and warm; a damaged entry is a miss, replaced; trimming
// removes old entries and stale temporary files of the cache and nothing
// else.
func TestFormatCache(t *testing.T) {
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.Analyze(context.Background(), model.Config{Dir: abs}, casePatterns(goldenCases(t))...)
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { emitChunk = n }(emitChunk)
	emitChunk = 2
	dir := t.TempDir()
	fc := newFormatCache([]string{FormatCacheEnv + "=" + dir})
	entries := func() []string {
		var out []string
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isHex(d.Name(), 64) {
				out = append(out, p)
			}
			return nil
		})
		return out
	}
	checked := 0
	for _, p := range a.Packages {
		if len(p.Funcs) == 0 {
			continue
		}
		want, err := emit(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		for _, pass := range []string{"cold", "warm"} {
			got, err := emit(p, fc)
			if err != nil {
				t.Fatalf("%s, %s: %v", p.Path, pass, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, %s cache: not the bytes emitted without the cache", p.Path, pass)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages", checked)
	}
	es := entries()
	if len(es) < checked {
		t.Fatalf("%d cache entries for %d packages", len(es), checked)
	}

	// Damage every entry: the next emit formats anew and gives the same bytes.
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
	for _, p := range a.Packages {
		if len(p.Funcs) == 0 {
			continue
		}
		want, _ := emit(p, nil)
		if got, err := emit(p, fc); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s, damaged cache: not the bytes emitted without the cache (%v)", p.Path, err)
		}
	}
	for _, e := range es {
		b, _ := os.ReadFile(e)
		if _, ok := fc.get(filepath.Base(e)); !ok {
			t.Errorf("entry %s not replaced after damage (%d bytes)", filepath.Base(e), len(b))
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
	fc.trim(time.Now()) // trimmed less than a day ago: nothing happens
	if _, err := os.Stat(es[0]); err != nil {
		t.Fatalf("trimmed twice in a day: %v", err)
	}
	fc.trim(time.Now().Add(25 * time.Hour))
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

// TestFormatCacheOff: FormatCacheEnv=off formats without a folder.
func TestFormatCacheOff(t *testing.T) {
	if fc := newFormatCache([]string{FormatCacheEnv + "=off"}); fc.dir != "" {
		t.Fatalf("off: cache in %q", fc.dir)
	}
	dir := t.TempDir()
	if fc := newFormatCache([]string{"HOME=" + dir, FormatCacheEnv + "=" + filepath.Join(dir, "c")}); fc.dir != filepath.Join(dir, "c") {
		t.Fatalf("cache in %q, want %q", fc.dir, filepath.Join(dir, "c"))
	}
}
