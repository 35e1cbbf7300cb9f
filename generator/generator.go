// Package generator turns //result: directives into typed, compile-time
// checked wrappers: it is the engine behind the resultgen command.
//
// # What it does
//
// For every top-level function carrying a //result: directive (grammar in the
// annotations package), the generator declares, in the package's
// result_gen.go:
//
//   - a package-level *runtime.Def describing the function: kind, run name,
//     parameters, result type, task-source hash and the directive's settings;
//   - a compile-time guard, var _ func(...) ... = F, so that a changed
//     signature or a stale generated file fails to build;
//   - a package-level value FTask (tasks) or FFlow (flows) of type FTaskType
//     or FFlowType, all unexported for unexported functions (f gets fTask,
//     fTaskType and fTaskDef):
//     v, err := FTask.Call(ctx, args...). Its methods are Call, State, Submit,
//     Map (tasks with parameters: one run per argument set, over a slice of
//     the parameter or, with several, of a generated struct FTaskArgs) and
//     WithOptions, which returns a copy and never changes FTask. Call is
//     left out when the directive sets both persist=false and
//     cache_in_memory=false, since the value could never be read back.
//
// Storage-key templates are compiled into plain Go code (no run-time
// parsing); the inputs of the cache policy are hashed per parameter type with
// the typed runtime.Hasher methods.
//
// # Code version
//
// Def.Source, the "task_source" part of a cache policy, is the function's
// code version (resultgen review -format json lists, per task, its hash and
// what it covers). It is "sha256:<hex>" over:
//
//   - the function's declaration and, transitively, every declaration of
//     the same module it references through go/types Uses and Selections:
//     functions, methods, type declarations, var specs with their
//     initializers, and whole const declarations (iota). Closures and
//     function literals are covered with the declaration they are written
//     in. "Same module" means code without a version: the main module,
//     go.work modules and modules replaced by a directory, in whichever
//     package of theirs it is;
//   - a referenced named type brings all its methods (a helper method
//     called on a value is caught through Selections anyway; this also
//     covers methods reached only through an interface once the concrete
//     type is referenced, e.g. constructed). A call through an interface or
//     a func value is otherwise covered by the interface or func type, not
//     by every implementation: an implementation whose type the function
//     never references is not covered;
//   - a call through another task's generated wrapper (FTask.Call) covers
//     the wrapped function, as a direct call would;
//   - for every other module it references, "path@version" (with "=>" and
//     the replacement for a replaced module); for the standard library,
//     "std@go<version>" with the go directive of the function's go.mod
//     (the toolchain's patch release is not part of it, so that every
//     machine generates the same file).
//
// Declarations are hashed as their tokens: comments, blank lines,
// indentation and line breaks (so a trailing comma or semicolon before a
// closing bracket) do not count. The names of the function's own package
// are hashed without its import path, so a moved package keeps its hashes
// (the cache key holds the import path separately). Not covered: init
// functions and assignments to a package-level variable made outside its
// declaration, files excluded by build constraints, non-Go files (embedded
// data, assembly), and the environment. Generated files (result_gen.go) are
// never hashed.
//
// To follow other packages, the generator reads every dependency from
// source, but drops the bodies of standard-library and module-cache files,
// which are versioned and only named, so the load costs about what loading
// from export data does. A package that imports only such versioned code
// is type-checked against its imports' export data instead, as go vet
// does.
//
// # Use
//
// Generate loads the packages matched by its patterns (go list patterns,
// default "."), checks every directive with full type information and
// returns the content of each package's result_gen.go (GenFileName, whose
// first line is Header). Check does the same and compares the result with
// the files on disk, writing nothing (Result.Check: each file Missing,
// Stale, Obsolete or UpToDate), which is what resultgen check reports;
// Analyzer reports the same under go vet (cmd/resultvet), one package at a
// time.
// The internals (loading, the analyzed model, code versions) are in
// internal/model; emission, with jennifer, is this package's.
//
// # Rules
//
// Generate reports every problem it finds as a Diagnostic at the exact
// position of the offending directive item, never only the first one. It
// returns an error only when it cannot run at all (the go command is missing,
// the context is done). It never writes files: Result holds contents and the
// caller (the resultgen command) writes them.
//
// Besides its own checks, Generate runs review's (package review: settings
// that lose data, collide or leak) on the packages it has loaded, judged
// with the built-in settings as resultvet does, so that what go generate
// enforces does not depend on who runs it. A finding is a Diagnostic with
// Check and Fix set; an error-level one counts as an error, a warning
// (Diagnostic.Warning) does not. A finding at a position the generator
// already reports is left out. A package with errors gets no file. Type errors that only concern identifiers the generator itself
// declares (code that already calls HelloWorldTask.Call before it exists) are
// not reported; every other package error is.
package generator

import (
	"context"
	"fmt"
	"go/token"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"

	"github.com/resultgen/resultgen/internal/findings"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
)

// Config configures a run.
type Config struct {
	// Dir is the directory patterns are resolved in; "" is the current one.
	Dir string
	// Env is the go command's environment; nil is the current process's.
	Env []string
	// BuildFlags are passed to the go command, e.g. "-tags=integration".
	BuildFlags []string
	// Logger receives progress messages at debug level; nil is silent.
	Logger *slog.Logger
	// Format formats a piece of a generated file as go/format.Source does,
	// byte for byte; nil is go/format.Source. The resultgen command passes
	// a disk cache's (RESULTGEN_FORMAT_CACHE), so that regenerating after
	// an edit formats only the pieces that changed; the library itself
	// never writes.
	Format func(src []byte) ([]byte, error)
}

// ModelConfig is the loader's part of c, for the packages of this module
// that load packages as Generate does (review, the resultgen command).
func (c Config) ModelConfig() model.Config {
	return model.Config{Dir: c.Dir, Env: c.Env, BuildFlags: c.BuildFlags, Logger: c.Logger}
}

// File is a generated file.
type File struct {
	Path    string // absolute path of the package's result_gen.go
	Content []byte
}

// Diagnostic is one problem, at its position: the generator's own, or a
// finding of review's checks (Check is then set).
type Diagnostic struct {
	Pos     token.Position // Filename is absolute; zero when the problem has no position
	Message string         // lowercase, no trailing period
	// Check names the review check that found the problem (the Check* names
	// of package review); "" for the generator's own problems.
	Check string
	// Fix is a finding's one-line fix; "" for the generator's own problems.
	Fix string
	// Warning marks a finding that review rates a warning: the settings
	// probably do not do what was meant, but they work. Every other
	// diagnostic is an error.
	Warning bool
}

// String formats d as "file:line:col: message", with "warning: " before
// the message of a warning and " (fix: ...)" after it when d has a fix.
func (d Diagnostic) String() string {
	msg := d.Message
	if d.Warning {
		msg = "warning: " + msg
	}
	if d.Fix != "" {
		msg += " (fix: " + d.Fix + ")"
	}
	if !d.Pos.IsValid() && d.Pos.Filename == "" {
		return msg
	}
	return d.Pos.String() + ": " + msg
}

// Rel is d with its file name relative to dir when that is shorter.
func (d Diagnostic) Rel(dir string) Diagnostic {
	if d.Pos.Filename != "" && filepath.IsAbs(d.Pos.Filename) {
		if r, err := filepath.Rel(dir, d.Pos.Filename); err == nil && len(r) < len(d.Pos.Filename) {
			d.Pos.Filename = r
		}
	}
	return d
}

// GenFileName is the name of the generated file in each package.
const GenFileName = model.GenFileName

// Result is what Generate produced.
type Result struct {
	// Files holds one result_gen.go per package that has directives and no
	// errors (warnings do not count), sorted by path.
	Files []File
	// Obsolete lists existing result_gen.go files of packages that no longer
	// have any directive: they should be removed.
	Obsolete []string
	// Diagnostics holds every problem found, sorted by position.
	Diagnostics []Diagnostic
}

// Generate loads and analyzes the packages matched by patterns (default
// ".") and returns the content of each package's result_gen.go, with the
// generator's diagnostics and the findings of review's checks on the same
// packages, judged with the built-in settings as resultvet does.
func Generate(ctx context.Context, cfg Config, patterns ...string) (*Result, error) {
	a, err := model.Analyze(ctx, cfg.ModelConfig(), patterns...)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, d := range a.Diagnostics {
		res.Diagnostics = append(res.Diagnostics, Diagnostic{Pos: d.Pos, Message: d.Message})
	}
	// review's checks run while the files of the packages without errors
	// of the generator's own are emitted; a file is then kept only when the
	// findings hold no error either.
	found := make(chan []Diagnostic, 1)
	go func() { found <- reviewFindings(a) }()
	failed := map[string]bool{} // package directories with errors
	for _, d := range res.Diagnostics {
		failed[filepath.Dir(d.Pos.Filename)] = true
	}
	type emitted struct {
		content []byte
		diag    *Diagnostic
	}
	files := map[*model.Package]emitted{}
	for _, p := range a.Packages {
		if p.Directives > 0 && len(p.Diagnostics) == 0 && len(p.Funcs) == p.Directives && !failed[p.Dir] {
			content, d := emitSafe(p, cfg.Format)
			files[p] = emitted{content, d}
		}
	}
	res.Diagnostics = append(res.Diagnostics, <-found...)
	for _, d := range res.Diagnostics {
		if !d.Warning {
			failed[filepath.Dir(d.Pos.Filename)] = true
		}
	}
	for _, p := range a.Packages {
		switch {
		case p.Directives == 0:
			if p.GenFileExists {
				res.Obsolete = append(res.Obsolete, p.GenFile)
			}
		case len(p.Diagnostics) > 0 || len(p.Funcs) != p.Directives || failed[p.Dir]:
			// diagnostics already say why; no file for this package
		default:
			content, d := files[p].content, files[p].diag
			if d != nil {
				res.Diagnostics = append(res.Diagnostics, *d)
				continue
			}
			res.Files = append(res.Files, File{Path: p.GenFile, Content: content})
			if cfg.Logger != nil {
				cfg.Logger.Debug(fmt.Sprintf("generated %s (%d bytes)", p.GenFile, len(content)))
			}
		}
	}
	res.Diagnostics = sortDiagnostics(res.Diagnostics)
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	sort.Strings(res.Obsolete)
	return res, nil
}

// reviewFindings runs review's checks on the analyzed packages, with the
// built-in settings. A directive that does not parse is left out: the
// generator reports it already, with the same message.
func reviewFindings(a *model.Analysis) []Diagnostic {
	_, fs := findings.Run(findings.Builtin(), "", nil, findings.PackagesOf(a.Loaded))
	var out []Diagnostic
	for _, f := range fs {
		if f.Check != report.CheckDirective {
			out = append(out, Diagnostic{Pos: f.Pos, Message: f.Message, Check: f.Check, Fix: f.Fix, Warning: f.Severity == report.Warning})
		}
	}
	return out
}

// emitSafe emits p's file, turning a panic into a diagnostic.
func emitSafe(p *model.Package, format func([]byte) ([]byte, error)) (content []byte, diag *Diagnostic) {
	defer func() {
		if r := recover(); r != nil {
			content = nil
			diag = &Diagnostic{Pos: token.Position{Filename: p.GenFile}, Message: model.BugMessage(p.Path, r)}
		}
	}()
	b, err := emit(p, format)
	if err != nil {
		return nil, &Diagnostic{Pos: token.Position{Filename: p.GenFile}, Message: model.BugMessage(p.Path, err)}
	}
	return b, nil
}

func sortDiagnostics(ds []Diagnostic) []Diagnostic {
	model.SortByPosition(ds, func(d Diagnostic) (token.Position, string) { return d.Pos, d.Message })
	return slices.Compact(ds)
}
