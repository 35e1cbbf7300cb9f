package generator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/internal/fmtcache"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/internal/sweep"
)

// analyzeGolden analyzes the golden cases' packages but order, whose 24
// functions of one shape would double the time of the rendering tests and
// show them nothing the other cases do not. The analysis is made once for
// the tests that share it (it is 3 CPU-seconds under -race); they only
// read it.
func analyzeGolden(t *testing.T) *model.Analysis {
	t.Helper()
	a, err := goldenAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var goldenAnalysis = sync.OnceValues(func() (*model.Analysis, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	cases, err := goldenCaseNames()
	if err != nil {
		return nil, err
	}
	cases = slices.DeleteFunc(cases, func(c string) bool { return c == "order" })
	return model.Analyze(context.Background(), model.Config{Dir: abs}, casePatterns(cases)...)
})

// TestSweepPiecesAsWhole: rendering and formatting the file piece by piece, cut
// between any two functions, gives the bytes of rendering and formatting
// the whole file at once, for every case of the corpus (cases imports and
// importsnoclash: imports met only in later pieces, an import aliased
// because the package declares its name, and two imports that want one
// name, when the file is rendered whole). A sweep (see internal/sweep):
// one goroutine at a time renders the corpus four ways, which -race
// slowed fivefold; TestFormatHook renders pieces in parallel under -race.
func TestSweepPiecesAsWhole(t *testing.T) {
	sweep.Skip(t)
	a := analyzeGolden(t)
	defer func(n int) { emitChunk = n }(emitChunk)
	checked, aliased := 0, 0
	for _, p := range a.Packages {
		if len(p.Funcs) == 0 {
			continue
		}
		var whole bytes.Buffer
		f, _ := build(p, true, byName(p.Funcs))
		if err := f.Render(&whole); err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		for _, n := range []int{1, 3, 25} { // TestFormatHook cuts pieces of 2
			emitChunk = n
			got, err := emit(p, nil)
			if err != nil {
				t.Fatalf("%s: %v", p.Path, err)
			}
			if !bytes.Equal(got, whole.Bytes()) {
				t.Errorf("%s, pieces of %d functions: not the bytes of the whole file formatted at once", p.Path, n)
			}
		}
		if p.Name == "imports" || p.Name == "importsnoclash" {
			aliased++
			if !bytes.Contains(whole.Bytes(), []byte(`resultgenContext "context"`)) {
				t.Errorf("%s: context not aliased, though the package declares the name:\n%s", p.Path, whole.Bytes())
			}
		}
		checked++
	}
	if checked < 5 || aliased != 2 {
		t.Fatalf("checked only %d packages, %d of the cases imports and importsnoclash", checked, aliased)
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
