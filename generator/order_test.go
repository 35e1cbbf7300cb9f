package generator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestOrderFollowsFiles: the generated file lists functions by file name
// and line, whatever order the loader parsed the files in (it parses them
// in parallel, so their token.Pos bases change from run to run), so a
// no-op re-run writes the same bytes.
func TestOrderFollowsFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/order\n\ngo 1.24\n")
	var want []string
	for i := range 24 {
		name := fmt.Sprintf("F%02d", i)
		want = append(want, name)
		// the bodies differ in size, so the parses finish out of order
		body := fmt.Sprintf("\treturn %d", i)
		for range (24 - i) * 40 {
			body += " + 1"
		}
		write(fmt.Sprintf("f%02d.go", i), fmt.Sprintf("package order\n\n//result:task\nfunc %s() int {\n%s\n}\n", name, body))
	}
	var first []byte
	for run := range 5 {
		res, err := Generate(context.Background(), Config{Dir: dir}, ".")
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
		if run == 0 {
			first = content
		} else if string(content) != string(first) {
			t.Fatalf("run %d generated other bytes than run 0", run)
		}
	}
}
