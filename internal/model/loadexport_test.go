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

// TestSweepExportDataLoadAsFull: packages that import only the standard library
// (the generator's golden cases, with their parse, type and directive
// errors, and one with a stale generated file) analyze to the same
// diagnostics, functions and code versions whether their imports come from
// export data or from source.
func TestSweepExportDataLoadAsFull(t *testing.T) {
	sweep.Skip(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "tmp") {
			patterns = append(patterns, "./testdata/"+e.Name())
		}
	}
	if len(patterns) < 10 {
		t.Fatalf("only %d cases", len(patterns))
	}
	summary := func(fromExport bool, patterns ...string) (string, int, bool) {
		defer func(v bool) { exportDataLoads = v }(exportDataLoads)
		exportDataLoads = fromExport
		var logged strings.Builder
		logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a, err := Analyze(context.Background(), Config{Dir: root, Logger: logger}, patterns...)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		funcs := 0
		for _, d := range a.Diagnostics {
			fmt.Fprintf(&b, "diag %s: %s\n", d.Pos, d.Message)
		}
		for _, p := range a.Packages {
			fmt.Fprintf(&b, "pkg %s %s exists=%v directives=%d\n", p.Path, p.Name, p.GenFileExists, p.Directives)
			for _, d := range p.Diagnostics {
				fmt.Fprintf(&b, "  diag %s: %s\n", d.Pos, d.Message)
			}
			for _, f := range p.Funcs {
				funcs++
				fmt.Fprintf(&b, "  func %s %s %s %v\n", f.GoName, f.Source, f.RunName, f.CodeVersion.Units)
			}
		}
		return b.String(), funcs, strings.Contains(logged.String(), "dependencies from export data")
	}
	// Which cases load their dependencies from export data, each loaded
	// alone (cheap: export data is what makes it so); the others load
	// from source either way, so comparing them would compare a load with
	// itself. The cases that do are compared in one load of each kind:
	// one type-check of the standard library from source, where a load
	// per case cost 20 CPU-seconds.
	var fastPatterns []string
	for _, pattern := range patterns {
		if _, _, used := summary(true, pattern); used {
			fastPatterns = append(fastPatterns, pattern)
		}
	}
	fast, funcs, used := summary(true, fastPatterns...)
	full, _, _ := summary(false, fastPatterns...)
	if !used {
		t.Fatalf("the cases that load from export data one at a time do not together: %v", fastPatterns)
	}
	if fast != full {
		fl, ll := strings.Split(fast, "\n"), strings.Split(full, "\n")
		for i := range min(len(fl), len(ll)) {
			if fl[i] != ll[i] {
				t.Fatalf("first difference, line %d:\nexport data: %s\nsource:      %s", i+1, fl[i], ll[i])
			}
		}
		t.Fatalf("export data: %d lines, source: %d", len(fl), len(ll))
	}
	if len(fastPatterns) < 8 || funcs < 20 {
		t.Fatalf("export data used for only %d cases, %d functions", len(fastPatterns), funcs)
	}
	t.Logf("export data used for %d of %d cases, %d functions", len(fastPatterns), len(patterns), funcs)
}
