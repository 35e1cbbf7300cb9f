package generator

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestOrderFollowsFiles: the generated file of case order lists functions
// by file name and line, whatever order the loader parsed the files in (it
// parses them in parallel, so their token.Pos bases change from run to
// run), so a no-op re-run writes the same bytes: five runs give the wanted
// file, functions in file order.
func TestOrderFollowsFiles(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join(root, corpusDir, "order"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 24 {
		want = append(want, fmt.Sprintf("F%02d", i))
	}
	wantFile, err := os.ReadFile(filepath.Join(abs, "want", GenFileName))
	if err != nil && !*update {
		t.Fatal(err)
	}
	for run := range 5 {
		res, err := Generate(context.Background(), Config{Dir: abs}, ".")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Files) != 1 {
			t.Fatalf("files: %d, diagnostics: %v", len(res.Files), res.Diagnostics)
		}
		content := res.Files[0].Content
		var got []string
		for _, m := range regexp.MustCompile(`(?m)^var (F\d\d)Task `).FindAllSubmatch(content, -1) {
			got = append(got, string(m[1]))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: functions in the order %v, want file order %v", run, got, want)
		}
		if !*update && !bytes.Equal(content, wantFile) {
			t.Fatalf("run %d generated other bytes than want/%s", run, GenFileName)
		}
	}
}
