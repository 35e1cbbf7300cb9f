package model

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// GenFileName is the name of the file the generator writes in each package.
const GenFileName = "result_gen.go"

// loadMode: full syntax and types of the targets and their dependencies (the
// code version follows the module's own dependencies through their syntax).
const loadMode = LoadModeCodeVersion

// loaded is the result of the load phase.
type loaded struct {
	fset *token.FileSet
	pkgs []*packages.Package
	// genExists: absolute result_gen.go paths that were on disk (and so were
	// replaced by a bare package clause while loading).
	genExists map[string]bool
}

// Load loads the packages matched by patterns as Analyze does (what it
// keeps as Analysis.Loaded), sorted by path: with full syntax and types,
// each existing result_gen.go blanked out to its package clause.
func Load(ctx context.Context, cfg Config, patterns ...string) ([]*packages.Package, error) {
	ld, err := load(ctx, cfg, patterns)
	if err != nil {
		return nil, err
	}
	return ld.pkgs, nil
}

// load loads the packages matched by patterns with full syntax and types.
//
// A package's existing result_gen.go is replaced, through an overlay, by a
// file holding only the package clause: a stale or broken
// generated file can then never block generation, and every reference to a
// generated identifier shows up as an "undefined" error that filterErrors
// recognizes.
func load(ctx context.Context, cfg Config, patterns []string) (*loaded, error) {
	ld, sameDirs, err := loadDirs(ctx, cfg, patterns, true)
	if err == nil && !sameDirs {
		// the go command's folders are not those findDirs read (a
		// symbolic link, a pattern it reads otherwise): list them
		ld, _, err = loadDirs(ctx, cfg, patterns, false)
	}
	return ld, err
}

// loadDirs is load, with phase 1 done by findDirs when dirs is set and it
// can; sameDirs is false when findDirs did it and the listed packages are
// not in the folders it read.
func loadDirs(ctx context.Context, cfg Config, patterns []string, dirs bool) (_ *loaded, sameDirs bool, _ error) {
	base := packages.Config{
		Context:    ctx,
		Dir:        cfg.Dir,
		Env:        cfg.Env,
		BuildFlags: cfg.BuildFlags,
		Logf:       nil,
	}
	env := startGoEnv(ctx, cfg)
	// Phase 1: where are the packages, and which have a generated file? (go
	// list -find: imports are not even resolved, so the generated file's own
	// imports cost nothing.)
	blank := map[string][]byte{}
	exists := map[string]bool{}
	var found []*packages.Package
	if dirs && findDirsLoads {
		found = findDirs(cfg.Dir, patterns, blank, exists)
	}
	shortcut := found != nil
	if !shortcut {
		find := base
		find.Mode = packages.NeedName | packages.NeedFiles
		var err error
		found, err = packages.Load(&find, patterns...)
		if err != nil {
			return nil, false, fmt.Errorf("list packages: %w", err)
		}
	}
	for _, p := range found {
		if shortcut {
			break // findDirs filled blank and exists
		}
		dir := packageDir(p)
		if dir == "" {
			continue
		}
		gen := filepath.Join(dir, GenFileName)
		if _, err := os.Stat(gen); err != nil {
			continue
		}
		name := packageClause(p, gen)
		if name == "" {
			continue // nothing but the generated file: let the loader report it
		}
		exists[gen] = true
		blank[gen] = []byte("package " + name + "\n")
	}
	// The generated files are blanked out for the go command by an -overlay
	// build flag and for the parser by parseFile, rather than by the
	// loader's Overlay: the loader takes any overlay to invalidate the export
	// data of every package, and would type-check all dependencies from
	// source. A caller's own -overlay flag keeps the loader's Overlay (the
	// two would not merge).
	env.wait()
	parseFile := parseFileFunc(env.goroot, env.gomodcache)
	var overlay map[string][]byte
	if len(blank) > 0 {
		if flagged, cleanup, err := overlayFlag(base.BuildFlags, blank); err == nil && flagged != nil {
			defer cleanup()
			base.BuildFlags = flagged
			parseFile = blanking(parseFile, blank)
		} else {
			overlay = blank
		}
	}

	var early *earlyExport
	if exportDataLoads && !hasOverlayFlag(cfg.BuildFlags) {
		if early = startEarlyExport(base, found); early != nil {
			defer func() { <-early.done }() // before the overlay is removed
		}
	}

	// Phase 2: what do the packages import, directly or not, and from which
	// modules? (go list only: nothing is parsed or compiled.)
	list := base
	list.Mode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule
	list.Overlay = overlay
	pkgs, err := packages.Load(&list, patterns...)
	if err != nil {
		return nil, false, fmt.Errorf("list packages: %w", err)
	}
	if shortcut && !sameFolders(found, pkgs) {
		return nil, false, nil
	}
	how := ""
	if shortcut {
		how = " (their folders read without go list -find)"
	}
	cfg.logf("listed %d package(s), %d with an existing %s%s", len(pkgs), len(exists), GenFileName, how)

	// Phase 3: syntax and types, with the generated files blanked out.
	full := base
	full.Mode = loadMode
	full.Fset = token.NewFileSet()
	full.ParseFile = parseFile
	full.Overlay = overlay
	if exportDataLoads && !hasOverlayFlag(cfg.BuildFlags) && onlyVersioned(pkgs) {
		// No package the targets depend on is followed by the code version:
		// their types from export data (as go vet reads them) are all the
		// targets need, and the listed graph says which module each one is
		// in. Type-checking them from source would give the same types. A
		// module replaced by a directory is followed (its code changes
		// without a version), so a target importing one never gets here.
		ld, ok, err := loadFromExportData(base, env, early, pkgs, parseFile)
		if err != nil {
			return nil, false, err
		}
		if ok {
			cfg.logf("loaded %d package(s), dependencies from export data", len(ld.pkgs))
			sort.Slice(ld.pkgs, func(i, j int) bool { return ld.pkgs[i].PkgPath < ld.pkgs[j].PkgPath })
			ld.genExists = exists
			return ld, true, nil
		}
	}
	pkgs, err = packages.Load(&full, patterns...)
	if err != nil {
		return nil, false, fmt.Errorf("load packages: %w", err)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].PkgPath < pkgs[j].PkgPath })
	return &loaded{fset: full.Fset, pkgs: pkgs, genExists: exists}, true, nil
}

// findDirsLoads enables findDirs (false in a test, to compare with the go
// command's listing).
var findDirsLoads = true

// findDirs is phase 1 of load without the go command, when every pattern
// names a folder (".", "..", "./x", "../x" or absolute, without "...") in
// which every .go file other than tests and the generated file (and names
// the go command ignores, _x and .x) names one package: it returns a
// package per folder (Name, Dir, and those files as GoFiles) and fills
// blank and exists as the go command's listing would. It returns nil when
// it cannot: load then asks the go command (go list -find). Build
// constraints are not read: a file they exclude counts too, which can only
// make findDirs give up (another package name) or the early export
// listing miss (another import).
//
// Fast path for P6 of make bench (go generate's pattern is "."): one go
// list -find less, about 30 ms of wall time and 40 ms of CPU of the 250 ms
// a regeneration of 1,000 tasks takes.
func findDirs(dir string, patterns []string, blank map[string][]byte, exists map[string]bool) []*packages.Package {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil
		}
		dir = wd
	}
	var found []*packages.Package
	newBlank, newExists := map[string][]byte{}, map[string]bool{}
	for _, pat := range patterns {
		if strings.Contains(pat, "...") || !(pat == "." || pat == ".." || strings.HasPrefix(pat, "./") || strings.HasPrefix(pat, "../") || filepath.IsAbs(pat)) {
			return nil
		}
		d := pat
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, pat)
		}
		d = filepath.Clean(d)
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil
		}
		var files []string
		name := ""
		for _, e := range entries {
			n := e.Name()
			if !e.Type().IsRegular() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == GenFileName || strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".") {
				continue
			}
			f := filepath.Join(d, n)
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
			if err != nil || af.Name == nil || af.Name.Name == "" || (name != "" && af.Name.Name != name) {
				return nil
			}
			name = af.Name.Name
			files = append(files, f)
		}
		if name == "" {
			return nil
		}
		found = append(found, &packages.Package{Name: name, Dir: d, GoFiles: files})
		gen := filepath.Join(d, GenFileName)
		if _, err := os.Stat(gen); err == nil {
			newExists[gen] = true
			newBlank[gen] = []byte("package " + name + "\n")
		}
	}
	maps.Copy(blank, newBlank)
	maps.Copy(exists, newExists)
	return found
}

// sameFolders reports whether the listed targets are the packages findDirs
// found, folder for folder.
func sameFolders(found, listed []*packages.Package) bool {
	want := map[string]bool{}
	for _, p := range found {
		want[p.Dir] = true
	}
	got := map[string]bool{}
	for _, p := range listed {
		got[packageDir(p)] = true
	}
	return maps.Equal(want, got)
}

// exportDataLoads enables loadFromExportData (false in a test, to compare
// with the full load).
var exportDataLoads = true

// onlyVersioned reports whether every package the listed targets import,
// directly or not, is one the code version does not follow (the standard
// library and versioned modules, see moduleOf), leaving aside what only
// their generated files import (blanked out while loading). A target that
// imports another target, or a package of its own module, or uses cgo,
// needs the full load.
func onlyVersioned(targets []*packages.Package) bool {
	isTarget := map[string]bool{}
	for _, p := range targets {
		isTarget[p.ID] = true
	}
	seen := map[*packages.Package]bool{}
	var versioned func(p *packages.Package) bool
	versioned = func(p *packages.Package) bool {
		if seen[p] {
			return true
		}
		seen[p] = true
		if _, followed := moduleOf(p); followed || isTarget[p.ID] {
			return false
		}
		for _, q := range p.Imports {
			if !versioned(q) {
				return false
			}
		}
		return true
	}
	for _, p := range targets {
		if len(p.Errors) > 0 {
			return false // let the full load report them as it always has
		}
		for _, f := range p.GoFiles {
			if filepath.Base(f) == GenFileName {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				return false
			}
			for _, spec := range af.Imports {
				path, err := strconv.Unquote(spec.Path.Value)
				if err != nil || path == "C" {
					return false
				}
				q := p.Imports[path]
				if q == nil || !versioned(q) {
					return false
				}
			}
		}
	}
	return true
}

// overlayFlag is flags with an -overlay flag that replaces each file of
// blank by its content, written to a temporary folder that cleanup removes;
// nil when flags has an -overlay flag already.
func overlayFlag(flags []string, blank map[string][]byte) (flagged []string, cleanup func(), err error) {
	if hasOverlayFlag(flags) {
		return nil, nil, nil
	}
	dir, err := os.MkdirTemp("", "resultgen-overlay-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	replace := map[string]string{}
	names := make([]string, 0, len(blank))
	for name := range blank {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		tmp := filepath.Join(dir, strconv.Itoa(i)+".go")
		if err := os.WriteFile(tmp, blank[name], 0o644); err != nil {
			cleanup()
			return nil, nil, err
		}
		replace[name] = tmp
	}
	b, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "overlay.json"), b, 0o644)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return append(slices.Clip(flags), "-overlay="+filepath.Join(dir, "overlay.json")), cleanup, nil
}

// hasOverlayFlag reports whether flags have an -overlay flag.
func hasOverlayFlag(flags []string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, "-overlay") || strings.HasPrefix(f, "--overlay") {
			return true
		}
	}
	return false
}

// blanking is parse (the loader's parser when nil) with the files of blank
// parsed from their blank content instead of what is on disk.
func blanking(parse func(*token.FileSet, string, []byte) (*ast.File, error), blank map[string][]byte) func(*token.FileSet, string, []byte) (*ast.File, error) {
	if parse == nil {
		parse = func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
		}
	}
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		if b, ok := blank[filename]; ok {
			src = b
		} else if filepath.Base(filename) == GenFileName {
			if b, ok := blank[filepath.Clean(filename)]; ok {
				src = b
			}
		}
		return parse(fset, filename, src)
	}
}

// parseFileFunc is a packages.Config.ParseFile for LoadModeCodeVersion,
// given the go command's GOROOT and GOMODCACHE: it parses the files of the
// standard library and of the module cache (versioned code the code version
// names but does not read) without comments and function bodies, so that
// loading every dependency from source costs little more than loading their
// export data; other files are parsed as the loader would. A body is kept
// where the type checker needs one (init, generic functions). Nil when
// neither directory is known: every file is then parsed in full.
func parseFileFunc(goroot, gomodcache string) func(*token.FileSet, string, []byte) (*ast.File, error) {
	var dirs []string
	for _, d := range []string{goroot, gomodcache} {
		if d = strings.TrimSpace(d); d != "" && filepath.IsAbs(d) {
			dirs = append(dirs, filepath.Clean(d)+string(filepath.Separator))
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		versioned := false
		for _, d := range dirs {
			if strings.HasPrefix(filename, d) {
				versioned = true
				break
			}
		}
		if !versioned {
			return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
		}
		f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.SkipObjectResolution)
		if f != nil {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && fd.Name.Name != "init" &&
					(fd.Type.TypeParams == nil || fd.Type.TypeParams.NumFields() == 0) {
					fd.Body = nil
				}
			}
		}
		return f, err
	}
}

// packageDir is the package's directory, from the loader or its files.
func packageDir(p *packages.Package) string {
	if p.Dir != "" {
		return p.Dir
	}
	for _, files := range [][]string{p.GoFiles, p.CompiledGoFiles, p.OtherFiles, p.IgnoredFiles} {
		if len(files) > 0 {
			return filepath.Dir(files[0])
		}
	}
	return ""
}

// packagePos is the position of a diagnostic about the package in dir as a
// whole (a bug caught while analyzing it): its result_gen.go, a file inside
// the package, so that filepath.Dir of the position is the package's folder,
// as it is for every other diagnostic.
func packagePos(dir string) token.Position {
	if dir == "" {
		return token.Position{}
	}
	return token.Position{Filename: filepath.Join(dir, GenFileName)}
}

// packageClause finds the package name from the package's files other than
// the generated one (which may be broken).
func packageClause(p *packages.Package, gen string) string {
	for _, f := range append(append([]string{}, p.GoFiles...), p.IgnoredFiles...) {
		if f == gen || strings.HasSuffix(f, "_test.go") || filepath.Ext(f) != ".go" {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil && af.Name != nil && af.Name.Name != "" {
			return af.Name.Name
		}
	}
	if p.Name != "" && len(p.GoFiles) > 1 {
		return p.Name
	}
	return ""
}

// undefinedRE matches the type checker's "undefined: X" and "undefined: p.X".
var undefinedRE = regexp.MustCompile(`^undefined: (?:[\pL_][\pL\pN_]*\.)?([\pL_][\pL\pN_]*)$`)

// packageErrors turns the loader's errors for p into diagnostics, dropping the
// type errors that only concern identifiers the generator declares (generated
// holds their names), since they are the generator's to fix, not the user's,
// and the errors that only follow from another one: the type checker's
// message then names an operand of unknown or invalid type, as when a call
// of a name not generated yet is passed on (must(FTask.Call(ctx))). Such an
// error always follows another; that one is reported when it is the user's.
func packageErrors(p *packages.Package, generated map[string]bool) []Diagnostic {
	var out []Diagnostic
	for _, e := range p.Errors {
		if e.Kind == packages.TypeError {
			if m := undefinedRE.FindStringSubmatch(e.Msg); m != nil && generated[m[1]] {
				continue
			}
			if len(p.Errors) > 1 && followsAnother(e.Msg) {
				continue
			}
		}
		out = append(out, Diagnostic{Pos: parsePos(e.Pos), Message: strings.TrimSuffix(e.Msg, ".")})
	}
	return out
}

// followsAnother reports whether a type error's message is about an operand
// whose type is unknown or invalid: one made so by an earlier error.
func followsAnother(msg string) bool {
	return strings.Contains(msg, "(unknown type)") || strings.Contains(msg, "invalid type")
}

// parsePos parses the loader's "file:line:col" (or "file:line", "file").
func parsePos(s string) token.Position {
	if s == "" || s == "-" {
		return token.Position{}
	}
	var nums []int
	rest := s
	for len(nums) < 2 {
		j := strings.LastIndexByte(rest, ':')
		if j < 0 {
			break
		}
		n, err := strconv.Atoi(rest[j+1:])
		if err != nil {
			break
		}
		nums = append(nums, n)
		rest = rest[:j]
	}
	pos := token.Position{Filename: rest}
	switch len(nums) {
	case 2:
		pos.Line, pos.Column = nums[1], nums[0]
	case 1:
		pos.Line = nums[0]
	}
	return pos
}
