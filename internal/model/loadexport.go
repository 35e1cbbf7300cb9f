package model

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// goEnv is the go command's GOROOT, GOMODCACHE and GOARCH, asked once.
type goEnv struct {
	done                     chan struct{}
	goroot, gomodcache, arch string
}

// startGoEnv asks the go command for its environment in the background.
func startGoEnv(ctx context.Context, cfg Config) *goEnv {
	e := &goEnv{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		cmd := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOMODCACHE", "GOARCH")
		cmd.Dir, cmd.Env = cfg.Dir, cfg.Env
		out, err := cmd.Output()
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) == 3 {
			e.goroot, e.gomodcache, e.arch = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1]), strings.TrimSpace(lines[2])
		}
	}()
	return e
}

func (e *goEnv) wait() *goEnv { <-e.done; return e }

// loadFromExportData type-checks the listed targets from source against
// the export data of their direct imports, as go vet does: what a load
// without dependencies gives (the loader's own would have go list compile
// the targets too, only to write export data nobody reads). listed are the
// targets of a listing with dependencies, modules and imports; their
// imports must be only packages the code version does not follow
// (onlyVersioned). ok is false when this cannot be done (no export data for
// an import, another compiler): the caller loads in full.
func loadFromExportData(base packages.Config, env *goEnv, early *earlyExport, listed []*packages.Package, parse func(*token.FileSet, string, []byte) (*ast.File, error)) (_ *loaded, ok bool, err error) {
	for _, f := range base.BuildFlags {
		if strings.Contains(f, "compiler") {
			return nil, false, nil
		}
	}
	sizes := types.SizesFor("gc", env.wait().arch)
	if sizes == nil {
		return nil, false, nil
	}
	// the export data of every direct import of the targets
	var ids []string
	seen := map[string]bool{}
	for _, p := range listed {
		if len(p.GoFiles) == 0 || p.Module == nil {
			return nil, false, nil
		}
		for _, q := range p.Imports {
			if q.ID != "unsafe" && !seen[q.ID] {
				seen[q.ID] = true
				ids = append(ids, q.ID)
			}
		}
	}
	sort.Strings(ids)
	var export map[string]string
	if early != nil && slices.Equal(early.ids, ids) {
		<-early.done
		export, ok = early.files, early.ok
		if early.err != nil {
			return nil, false, early.err
		}
	} else {
		export, ok, err = exportFiles(base, ids)
		if err != nil {
			return nil, false, err
		}
	}
	if !ok {
		return nil, false, nil
	}

	fset := token.NewFileSet()
	if parse == nil {
		parse = blanking(nil, nil)
	}
	// One importer for every target, so that they share the imported types.
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f := export[path]
		if f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var impMu sync.Mutex

	out := make([]*packages.Package, len(listed))
	var wg sync.WaitGroup
	for i, l := range listed {
		p := *l
		p.CompiledGoFiles = p.GoFiles
		p.Fset = fset
		p.Errors = nil
		out[i] = &p
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkFromSource(&p, parse, sizes, func(path string) (*types.Package, error) {
				if path == "unsafe" {
					return types.Unsafe, nil
				}
				q := p.Imports[path]
				if q == nil {
					return nil, fmt.Errorf("no metadata for %s", path)
				}
				impMu.Lock()
				defer impMu.Unlock()
				return imp.Import(q.ID)
			})
		}()
	}
	wg.Wait()
	return &loaded{fset: fset, pkgs: out}, true, nil
}

// exportFiles lists the export data files of the packages ids (go list
// -export: compiled into the build cache when they are not there yet); ok
// is false when one has none.
func exportFiles(base packages.Config, ids []string) (files map[string]string, ok bool, err error) {
	files = map[string]string{}
	if len(ids) == 0 {
		return files, true, nil
	}
	ex := base
	ex.Mode = packages.NeedName | packages.NeedExportFile
	ex.ParseFile = nil
	deps, err := packages.Load(&ex, ids...)
	if err != nil {
		return nil, false, fmt.Errorf("load packages: %w", err)
	}
	for _, d := range deps {
		if len(d.Errors) > 0 || d.ExportFile == "" {
			return nil, false, nil
		}
		files[d.ID] = d.ExportFile
	}
	for _, id := range ids {
		if files[id] == "" {
			return nil, false, nil
		}
	}
	return files, true, nil
}

// earlyExport is exportFiles run in the background, while the targets'
// dependencies are listed, for the imports their files name, when these
// are all in the standard library (whose export data is the cheapest to
// ask for, and a wasted ask when the full load follows).
type earlyExport struct {
	ids   []string
	done  chan struct{}
	files map[string]string
	ok    bool
	err   error
}

// startEarlyExport starts exportFiles for the imports of the targets'
// files other than the generated ones, or returns nil when one is not a
// standard-library path.
func startEarlyExport(base packages.Config, targets []*packages.Package) *earlyExport {
	seen := map[string]bool{}
	var ids []string
	for _, p := range targets {
		for _, f := range p.GoFiles {
			if filepath.Base(f) == GenFileName {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				return nil
			}
			for _, spec := range af.Imports {
				path, err := strconv.Unquote(spec.Path.Value)
				first, _, _ := strings.Cut(path, "/")
				if err != nil || path == "C" || strings.Contains(first, ".") {
					return nil
				}
				if path != "unsafe" && !seen[path] {
					seen[path] = true
					ids = append(ids, path)
				}
			}
		}
	}
	sort.Strings(ids)
	e := &earlyExport{ids: ids, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		e.files, e.ok, e.err = exportFiles(base, ids)
	}()
	return e
}

// checkFromSource parses p's files and type-checks them with imports from
// imp, setting Syntax, Types, TypesInfo, TypesSizes and Errors as the
// loader does for a package it loads from source.
func checkFromSource(p *packages.Package, parse func(*token.FileSet, string, []byte) (*ast.File, error), sizes types.Sizes, imp func(string) (*types.Package, error)) {
	appendError := func(err error) {
		var se scanner.ErrorList
		var te types.Error
		var pe *os.PathError
		switch {
		case errors.As(err, &se):
			for _, e := range se {
				p.Errors = append(p.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
			}
		case errors.As(err, &te):
			p.TypeErrors = append(p.TypeErrors, te)
			p.Errors = append(p.Errors, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
		case errors.As(err, &pe):
			p.Errors = append(p.Errors, packages.Error{Pos: pe.Path + ":1", Msg: pe.Err.Error(), Kind: packages.ParseError})
		default:
			p.Errors = append(p.Errors, packages.Error{Pos: "-", Msg: err.Error(), Kind: packages.UnknownError})
		}
	}

	// parse, in parallel, keeping the files' order
	files := make([]*ast.File, len(p.CompiledGoFiles))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, name := range p.CompiledGoFiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, err := os.ReadFile(name)
			if err != nil {
				errs[i] = err
				return
			}
			files[i], errs[i] = parse(p.Fset, name, src)
		}()
	}
	wg.Wait()
	var syntax []*ast.File
	for i, f := range files {
		if errs[i] != nil {
			appendError(errs[i])
		}
		if f != nil {
			syntax = append(syntax, f)
		}
	}
	p.Syntax = syntax

	p.TypesInfo = &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Implicits:    make(map[ast.Node]types.Object),
		Instances:    make(map[*ast.Ident]types.Instance),
		Scopes:       make(map[ast.Node]*types.Scope),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		FileVersions: make(map[*ast.File]string),
	}
	p.TypesSizes = sizes
	tc := &types.Config{
		Importer: importerFunc(imp),
		Error:    appendError,
		Sizes:    sizes,
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	p.Types = types.NewPackage(p.PkgPath, p.Name)
	typErr := types.NewChecker(tc, p.Fset, p.Types, p.TypesInfo).Files(p.Syntax)
	if typErr != nil && len(p.Errors) == 0 {
		appendError(typErr)
	}
	p.IllTyped = len(p.Errors) > 0
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
