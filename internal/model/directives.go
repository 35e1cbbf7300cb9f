package model

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/annotations"
)

// parsedPackage holds the directives of one package before type checks.
type parsedPackage struct {
	dirs  []parsedDirective
	errs  []Diagnostic
	names []string // identifiers the generator will declare
}

type parsedDirective struct {
	d    *annotations.Directive
	decl *ast.FuncDecl // nil when no FuncDecl carries it
}

func (pp *parsedPackage) count() int { return len(pp.dirs) }

// parseDirectives parses the //result: directives of every file of p.
func parseDirectives(fset *token.FileSet, p *packages.Package) (pp *parsedPackage) {
	pp = &parsedPackage{}
	defer func() {
		if r := recover(); r != nil {
			pp.errs = append(pp.errs, Diagnostic{Pos: packagePos(packageDir(p)), Message: BugMessage(p.PkgPath, r)})
		}
	}()
	for _, file := range p.Syntax {
		if filepath.Base(fset.Position(file.Package).Filename) == GenFileName {
			continue
		}
		dirs, errs := annotations.ParseFile(fset, file)
		for _, e := range errs {
			pp.errs = append(pp.errs, Diagnostic{Pos: fset.Position(e.Pos), Message: e.Msg})
		}
		for _, d := range dirs {
			if d == nil {
				continue
			}
			pd := parsedDirective{d: d, decl: DeclFor(file, d)}
			pp.dirs = append(pp.dirs, pd)
			pp.names = append(pp.names, NamesFor(d.Func, d.Kind).list()...)
		}
	}
	// By file name and offset, not token.Pos: the loader parses files in
	// parallel, so the bases of their positions differ from run to run and
	// the generated file's order would too.
	slices.SortStableFunc(pp.dirs, func(a, b parsedDirective) int {
		return ComparePositions(fset.Position(a.d.Pos), fset.Position(b.d.Pos))
	})
	return pp
}

// DeclFor finds the FuncDecl whose doc comment holds d, else the package-level
// function named as d says.
func DeclFor(file *ast.File, d *annotations.Directive) *ast.FuncDecl {
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		if fd.Doc.Pos() <= d.Pos && d.Pos < fd.Doc.End() {
			return fd
		}
	}
	for _, decl := range file.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Name.Name == d.Func && fd.Recv == nil {
			return fd
		}
	}
	return nil
}
