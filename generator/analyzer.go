package generator

import (
	"context"
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/resultgen/resultgen/annotations"
)

// Analyzer is Check as a go/analysis pass, for go vet -vettool (resultvet
// runs it next to review.Analyzer) and other drivers: it reports, at the
// package clause, a result_gen.go that `resultgen check` would report, so
// that CI running go vet catches code edited without go generate:
//
//   - stale: its bytes differ from what Generate would write now;
//   - missing: the package has //result: directives and no result_gen.go;
//   - obsolete: a result_gen.go, and no directives left;
//   - unreadable: the file cannot be read;
//   - and, when Generate finds errors in the package (so it would write no
//     file), how many and the first.
//
// The position is the package clause of result_gen.go when the package
// has one, else of its first file. Messages say what is wrong and the fix,
// naming the package as a resultgen argument relative to its module's
// root ("resultgen ./pipeline").
//
// The file is compared with Check's result, byte for byte, so the verdict
// follows the output format wherever Generate goes. That costs a load of
// its own: for each package with a directive or a result_gen.go (others
// cost nothing), the pass runs Check on the package's folder, which lists
// it with the go command and type-checks it, from export data when it
// imports only the standard library and versioned modules, else with the
// packages of its own module from source. The pass's syntax and types are
// not enough: a code version covers declarations in the other packages of
// the module, whose syntax a pass does not have, and names the versions
// (and replacements) of other modules, which a pass does not know. go vet
// keeps a package's clean result until the package or a dependency
// changes.
//
// The check uses the default build configuration, as go generate does
// (GOFLAGS applies, go vet -tags does not), needs the go command on PATH,
// and skips test files, external test packages and the packages of
// versioned modules (dependencies are not the user's to regenerate).
var Analyzer = &analysis.Analyzer{
	Name: "generated",
	Doc: `check that each package's result_gen.go is what resultgen would generate now

Reports, at the package clause, a result_gen.go that is stale (the
directives, signatures or code it was generated from changed since), missing
(the package has //result: directives and no result_gen.go) or obsolete (no
directives left), as resultgen check does. The fix is go generate.`,
	URL: "https://pkg.go.dev/github.com/resultgen/resultgen/generator",
	Run: runAnalyzer,
}

func runAnalyzer(pass *analysis.Pass) (any, error) {
	if m := pass.Module; m != nil && m.Version != "" {
		return nil, nil // a dependency: not the user's to regenerate
	}
	var first, gen *ast.File
	hasDirective := false
	for _, f := range pass.Files {
		name := pass.Fset.Position(f.Package).Filename
		switch {
		case strings.HasSuffix(name, "_test.go"):
			continue // the generator does not read test files
		case strings.HasPrefix(filepath.Base(name), "_cgo_"):
			continue // written by cgo in a temporary folder
		case filepath.Base(name) == GenFileName:
			gen = f
		case !hasDirective:
			hasDirective = hasDirectives(f)
		}
		if first == nil {
			first = f
		}
	}
	if first == nil {
		return nil, nil // an external test package, or no files
	}
	at := first.Package
	dir := filepath.Dir(pass.Fset.Position(at).Filename)
	if gen != nil {
		at = gen.Package
	} else if !hasDirective {
		if _, err := os.Stat(filepath.Join(dir, GenFileName)); err != nil {
			return nil, nil // nothing resultgen would write or remove
		}
	}
	res, checked, err := Check(context.Background(), Config{Dir: dir}, ".")
	if err != nil {
		return nil, fmt.Errorf("check %s of %s: %w", GenFileName, pass.Pkg.Path(), err)
	}
	path := commandPath(pass)
	regen := "resultgen " + path
	report := func(category, format string, args ...any) {
		pass.Report(analysis.Diagnostic{Pos: at, Category: category, Message: fmt.Sprintf(format, args...)})
	}
	var errs []Diagnostic
	for _, d := range res.Diagnostics {
		if !d.Warning && (d.Pos.Filename == "" || filepath.Dir(d.Pos.Filename) == dir) {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		first := errs[0].Rel(dir)
		where := ""
		if first.Pos.Filename != "" {
			where = first.Pos.String() + ": "
		}
		report("error", "%s cannot be generated: resultgen reports %d error(s), the first: %s%s; fix them and run go generate (or %s)",
			GenFileName, len(errs), where, first.Message, regen)
	}
	for _, c := range checked {
		if filepath.Dir(c.Path) != dir {
			continue
		}
		switch c.State {
		case Stale:
			report("stale", "%s is stale: it differs from what resultgen would generate now; run go generate (or %s)", GenFileName, regen)
		case Missing:
			report("missing", "%s is missing: the package has //result: directives; run go generate (or %s)", GenFileName, regen)
		case Obsolete:
			report("obsolete", "%s is obsolete: the package has no //result: directives left; run %s, which removes it", GenFileName, regen)
		case Unreadable:
			report("unreadable", "%s cannot be read: %v; make it readable, then run resultgen check %s", GenFileName, c.Err, path)
		}
	}
	return nil, nil
}

// hasDirectives reports whether f has a //result: comment.
func hasDirectives(f *ast.File) bool {
	for _, g := range f.Comments {
		for _, c := range g.List {
			if annotations.IsDirective(c.Text) {
				return true
			}
		}
	}
	return false
}

// commandPath is how to name the pass's package to resultgen: "./dir"
// relative to its module's root, where commands are usually run, else its
// import path.
func commandPath(pass *analysis.Pass) string {
	path := pass.Pkg.Path()
	if m := pass.Module; m != nil && m.Path != "" {
		if path == m.Path {
			return "."
		}
		if rest, ok := strings.CutPrefix(path, m.Path+"/"); ok {
			return "./" + rest
		}
	}
	return path
}
