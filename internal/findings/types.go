package findings

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
)

// Finding is review.Finding, with At, its position in the file set of the
// package it was found in.
type Finding struct {
	report.Finding
	At token.Pos
}

// Builtin is the global settings resultvet and go generate judge with:
// what they enforce must not depend on who runs them.
func Builtin() report.Defaults { return report.Defaults{DefaultSerializer: "msgpack"} }

// Package is one type-checked package: what every front end hands the
// engine.
type Package struct {
	Fset  *token.FileSet
	Files []*ast.File
	Types *types.Package
	Info  *types.Info
}

// PackagesOf are the loaded packages that have syntax (a package the
// loader could not even list has no file set), as the engine takes them.
func PackagesOf(pkgs []*packages.Package) []Package {
	out := make([]Package, 0, len(pkgs))
	for _, p := range pkgs {
		if p.Fset != nil {
			out = append(out, Package{Fset: p.Fset, Files: p.Syntax, Types: p.Types, Info: p.TypesInfo})
		}
	}
	return out
}

// Run reviews pkgs with the global settings d: the rows (by package, then
// source order) and the findings (by position). Positions are relative to
// dir when inside it; rows get code versions when codes is not nil.
func Run(d report.Defaults, dir string, codes *model.CodeVersions, pkgs []Package) ([]report.Row, []Finding) {
	e := newEngine(d, dir)
	e.codes = codes
	for _, p := range pkgs {
		e.collect(&unit{fset: p.Fset, files: p.Files, pkg: p.Types, info: p.Info})
	}
	rows := e.run()
	return rows, e.findings
}

func relPosition(p token.Position, dir string) string {
	if !p.IsValid() {
		return ""
	}
	if dir != "" && filepath.IsAbs(p.Filename) {
		if r, err := filepath.Rel(dir, p.Filename); err == nil && !filepath.IsAbs(r) && len(r) < len(p.Filename) && !startsWithDotDot(r) {
			p.Filename = filepath.ToSlash(r)
		}
	}
	return p.String()
}

func startsWithDotDot(p string) bool {
	return p == ".." || len(p) > 2 && p[:3] == ".."+string(filepath.Separator)
}

func sortFindings(fs []Finding) {
	model.SortByPosition(fs, func(f Finding) (token.Position, string) { return f.Pos, f.Message })
}
