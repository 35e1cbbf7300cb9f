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
	fastCases, funcs := 0, 0
	for _, pattern := range patterns {
		fast, n, used := summary(true, pattern)
		full, _, _ := summary(false, pattern)
		if used {
			fastCases++
			funcs += n
		}
		if fast != full {
			fl, ll := strings.Split(fast, "\n"), strings.Split(full, "\n")
			for i := range min(len(fl), len(ll)) {
				if fl[i] != ll[i] {
					t.Fatalf("%s: first difference, line %d:\nexport data: %s\nsource:      %s", pattern, i+1, fl[i], ll[i])
				}
			}
			t.Fatalf("%s: export data: %d lines, source: %d", pattern, len(fl), len(ll))
		}
	}
	if fastCases < 8 || funcs < 20 {
		t.Fatalf("export data used for only %d cases, %d functions", fastCases, funcs)
	}
}
