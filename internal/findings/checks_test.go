package findings_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/review"
)

// checkNames are the Check* constants of package review/report, read
// from its source, so that a check added there without a case here fails
// TestChecks.
func checkNames(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "review", "report", "report.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if strings.HasPrefix(n.Name, "Check") && i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
						v, _ := strconv.Unquote(lit.Value)
						names = append(names, v)
					}
				}
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d check names in review/report", len(names))
	}
	return names
}

// TestSweepChecks runs resultvet's findings analyzer (review.Analyzer) on
// testdata/src/<check>, one package per check, named by the check: each
// finding must be one its // want comments expect, each expectation must
// be met, and every finding must be of the case's own check, so a case
// shows what its check finds and what it leaves alone. Every check of
// review/report has a case, and every case names a check. A sweep (see
// internal/sweep): the analyzer runs on one goroutine, and its load, which
// type-checks the standard library from source, took five times as long
// under -race.
func TestSweepChecks(t *testing.T) {
	sweep.Skip(t)
	names := checkNames(t)
	entries, err := os.ReadDir(filepath.Join("testdata", "src"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	for _, n := range names {
		if !slices.Contains(cases, n) {
			t.Errorf("check %s has no case: add testdata/src/%s with // want comments", n, n)
		}
	}
	for _, c := range cases {
		if !slices.Contains(names, c) {
			t.Errorf("testdata/src/%s names no check of review/report", c)
		}
	}
	// one load for every case: the loads, not the checks, are the cost
	results := analysistest.Run(t, analysistest.TestData(), review.Analyzer, cases...)
	found := map[string]int{}
	for _, r := range results {
		c := r.Pass.Pkg.Path()
		for _, d := range r.Diagnostics {
			found[c]++
			if d.Category != c {
				t.Errorf("%s: a finding of check %s in the case of %s: %s", r.Pass.Fset.Position(d.Pos), d.Category, c, d.Message)
			}
		}
	}
	for _, c := range cases {
		if found[c] == 0 {
			t.Errorf("case %s: no findings: the case shows nothing of its check", c)
		}
	}
}
