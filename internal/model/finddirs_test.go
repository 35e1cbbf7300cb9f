package model

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/sweep"
)

// TestSweepFindDirsAsGoList: the generator's golden cases, named as folders
// (relative, ".", absolute, through a symbolic link, with a file of
// another package excluded by a build constraint), analyze to the same
// packages, diagnostics, functions and code versions whether load finds
// them itself (findDirs) or asks the go command. A sweep (see
// internal/sweep): it type-checks every golden case twice.
func TestSweepFindDirsAsGoList(t *testing.T) {
	sweep.Skip(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		dir      string
		patterns []string
	}
	// Every case findDirs takes in one load: one go list and one
	// type-check of what they share, where a run per case cost 30
	// CPU-seconds. (Where findDirs declines a folder, load asks the go
	// command in both modes, so such a case would compare go list with
	// itself.) The runs below load one or two packages at a time.
	var all []string
	for _, e := range entries {
		pat := "./testdata/" + e.Name()
		if e.IsDir() && !strings.HasPrefix(e.Name(), "tmp") && findDirs(root, []string{pat}, map[string][]byte{}, map[string]bool{}) != nil {
			all = append(all, pat)
		}
	}
	if len(all) < 10 {
		t.Fatalf("only %d cases", len(all))
	}
	runs := []run{{root, all}}
	first := filepath.Join(root, "testdata", entries[0].Name())
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(first, link); err != nil {
		t.Fatal(err)
	}
	// a package with a file of package main excluded by a build constraint
	mixed, err := os.MkdirTemp(filepath.Join(root, "testdata"), "tmp-finddirs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(mixed) })
	for name, src := range map[string]string{
		"a.go":    "package mixed\n\n//result:task\nfunc F(x int) int { return x }\n",
		"tool.go": "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(mixed, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runs = append(runs,
		run{first, []string{"."}},
		run{root, []string{first, "./testdata/" + entries[1].Name()}},
		run{root, []string{link}},
		run{link, []string{"."}},
		run{root, []string{"./testdata/" + filepath.Base(mixed)}},
	)
	shortcuts := 0
	summary := func(find bool, r run) string {
		defer func(v bool) { findDirsLoads = v }(findDirsLoads)
		findDirsLoads = find
		var logged strings.Builder
		logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a, err := Analyze(context.Background(), Config{Dir: r.dir, Logger: logger}, r.patterns...)
		if strings.Contains(logged.String(), "without go list -find") {
			shortcuts++
		}
		if err != nil {
			return "error: " + err.Error()
		}
		var b strings.Builder
		for _, d := range a.Diagnostics {
			fmt.Fprintf(&b, "diag %s: %s\n", d.Pos, d.Message)
		}
		for _, p := range a.Packages {
			fmt.Fprintf(&b, "pkg %s %s %s exists=%v directives=%d\n", p.Path, p.Name, p.GenFile, p.GenFileExists, p.Directives)
			for _, d := range p.Diagnostics {
				fmt.Fprintf(&b, "  diag %s: %s\n", d.Pos, d.Message)
			}
			for _, f := range p.Funcs {
				fmt.Fprintf(&b, "  func %s %s %s %v\n", f.GoName, f.Source, f.RunName, f.CodeVersion.Units)
			}
		}
		return b.String()
	}
	for i, r := range runs {
		got, want := summary(true, r), summary(false, r)
		if got != want {
			t.Errorf("dir %s, patterns %v:\nfound by findDirs:\n%s\nlisted by go list:\n%s", r.dir, r.patterns, got, want)
		}
		if n := strings.Count("\n"+got, "\npkg "); i == 0 && n < len(all) {
			t.Errorf("the load of every case found %d packages, want %d:\n%s", n, len(all), got)
		}
	}
	if shortcuts < len(runs)-3 {
		t.Errorf("findDirs listed %d of %d runs", shortcuts, len(runs))
	}
	t.Logf("findDirs listed %d of %d runs", shortcuts, len(runs))
}
