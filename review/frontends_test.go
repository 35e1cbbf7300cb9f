package review_test

import (
	"context"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/review"
)

// TestSweepFrontEndsAgree runs the three front ends of the findings engine on
// every generator golden case, every example and resultvet's test
// packages: resultgen (Generate's
// diagnostics), resultgen review (Review with the built-in settings) and
// resultvet (the Analyzer, one package at a time). Each must report the
// same findings, at the same positions, with the same words and fixes;
// Generate leaves out a finding where it reports a problem of its own.
func TestSweepFrontEndsAgree(t *testing.T) {
	sweep.Skip(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// The golden cases only: folders with a want folder. Other packages'
	// tests make and remove temporary packages meanwhile, in folders of
	// their own, never here; a stray folder is no case either.
	cases, err := filepath.Glob(filepath.Join(root, "testdata", "*", "want"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("found only %d golden cases under testdata", len(cases))
	}
	patterns := []string{"./examples/...", "./review/testdata/src/findings", "./review/testdata/src/clean"}
	for _, c := range cases {
		patterns = append(patterns, "./testdata/"+filepath.Base(filepath.Dir(c)))
	}
	ctx := context.Background()
	rel := func(p token.Position) string {
		r, err := filepath.Rel(root, p.Filename)
		if err != nil {
			r = p.Filename
		}
		return fmt.Sprintf("%s:%d:%d", filepath.ToSlash(r), p.Line, p.Column)
	}

	// resultgen
	res, err := generator.Generate(ctx, generator.Config{Dir: root}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	var gen []string
	own := map[string]bool{} // positions of the generator's own problems
	for _, d := range res.Diagnostics {
		if d.Check == "" {
			own[rel(d.Pos)] = true
			continue
		}
		sev := "error"
		if d.Warning {
			sev = "warning"
		}
		gen = append(gen, fmt.Sprintf("%s: %s: %s (fix: %s)", rel(d.Pos), sev, d.Message, d.Fix))
	}

	// resultgen review
	rep, err := review.Review(ctx, review.Config{Dir: root, Builtin: true}, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	var rev []string
	for _, f := range rep.Findings {
		rev = append(rev, fmt.Sprintf("%s: %s: %s (fix: %s)", f.Position, f.Severity, f.Message, f.Fix))
	}

	// resultvet
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: root, Tests: false}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{review.Analyzer}, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// go vet analyzes only packages that compile; a case that calls
	// wrappers it has no generated file for does not
	var broken []string
	for _, p := range pkgs {
		if len(p.Errors) > 0 && len(p.GoFiles) > 0 {
			r, _ := filepath.Rel(root, filepath.Dir(p.GoFiles[0]))
			broken = append(broken, filepath.ToSlash(r)+"/")
		}
	}
	var vet []string
	for act := range graph.All() {
		if !act.IsRoot || act.Analyzer != review.Analyzer {
			continue
		}
		for _, d := range act.Diagnostics {
			vet = append(vet, rel(act.Package.Fset.Position(d.Pos))+": "+d.Message)
		}
	}

	if len(rev) == 0 {
		t.Fatal("review found nothing: the cases no longer exercise the findings")
	}
	// the generator drops a directive that does not parse: it reports the
	// same problem as one of its own
	var revGen []string
	for i, f := range rev {
		if rep.Findings[i].Check == review.CheckDirective {
			if !own[strings.SplitN(f, ": ", 2)[0]] {
				t.Errorf("review reports, resultgen does not as a problem of its own: %s", f)
			}
			continue
		}
		revGen = append(revGen, f)
	}
	same := func(name string, a, b []string) {
		t.Helper()
		a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
		for _, x := range a {
			if !slices.Contains(b, x) {
				t.Errorf("review reports, %s does not: %s", name, x)
			}
		}
		for _, x := range b {
			if !slices.Contains(a, x) {
				t.Errorf("%s reports, review does not: %s", name, x)
			}
		}
	}
	same("resultgen", revGen, gen)
	var revVet []string
	for _, f := range rev {
		if !slices.ContainsFunc(broken, func(dir string) bool { return strings.HasPrefix(f, dir) }) {
			revVet = append(revVet, f)
		}
	}
	same("resultvet", revVet, vet)
	if len(vet) == 0 || len(gen) == 0 {
		t.Errorf("resultvet found %d, resultgen %d: the cases no longer compare the front ends", len(vet), len(gen))
	}
	t.Logf("%d findings; %d also from resultgen (the rest at the generator's own problems), %d from resultvet (the rest in packages that do not compile: %v)", len(rev), len(gen), len(vet), broken)
}
