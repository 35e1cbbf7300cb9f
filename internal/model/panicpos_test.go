package model

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestPanicDiagnosticInPackage: a bug caught while parsing a package's
// directives is reported at a file inside that package, so that the front
// ends, which block the folder of each error's file, block that package and
// not its parent.
func TestPanicDiagnosticInPackage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	p := &packages.Package{PkgPath: "example.com/p", Dir: dir, Syntax: []*ast.File{nil}}
	pp := parseDirectives(token.NewFileSet(), p)
	if len(pp.errs) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(pp.errs), pp.errs)
	}
	if got := filepath.Dir(pp.errs[0].Pos.Filename); got != dir {
		t.Errorf("diagnostic at %q: its folder is %q, want the package's %q", pp.errs[0].Pos.Filename, got, dir)
	}
}
