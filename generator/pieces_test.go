package generator

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/internal/model"
)

// TestPiecesAsWhole: formatting the file piece by piece, cut between any
// two functions, gives the bytes of formatting the whole file at once.
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
		if err := build(p, "").Render(&whole); err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		for _, n := range []int{1, 2, 3, 25} {
			emitChunk = n
			got, err := emit(p)
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
