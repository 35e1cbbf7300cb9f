package generator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/internal/fmtcache"
	"github.com/resultgen/resultgen/internal/model"
)

// analyzeGolden analyzes the golden cases' packages.
func analyzeGolden(t *testing.T) *model.Analysis {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.Analyze(context.Background(), model.Config{Dir: abs}, casePatterns(goldenCases(t))...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPiecesAsWhole: rendering and formatting the file piece by piece, cut
// between any two functions, gives the bytes of rendering and formatting
// the whole file at once.
func TestPiecesAsWhole(t *testing.T) {
	a := analyzeGolden(t)
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

// TestFormatHook: with the command's format cache as Config.Format, emit
// gives the bytes it gives without it, cold and warm (the cache's own
// damage and trimming are tested in internal/fmtcache).
func TestFormatHook(t *testing.T) {
	a := analyzeGolden(t)
	defer func(n int) { emitChunk = n }(emitChunk)
	emitChunk = 2
	dir := t.TempDir()
	format := fmtcache.Open(dir).Source
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
			got, err := emit(p, format)
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
	var entries int
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(d.Name()) == 64 {
			entries++
		}
		return nil
	})
	if entries < checked {
		t.Fatalf("%d cache entries for %d packages: the hook was not used", entries, checked)
	}
}
