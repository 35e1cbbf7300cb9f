package model

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"log/slog"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/typeid"
	"golang.org/x/tools/go/packages"
)

// Config says how packages are loaded: the generator's Config, which
// converts to it.
type Config struct {
	Dir        string // "" is the current directory
	Env        []string
	BuildFlags []string
	Logger     *slog.Logger // debug-level progress; nil is silent
}

func (c Config) logf(format string, args ...any) {
	if c.Logger != nil {
		c.Logger.Debug(fmt.Sprintf(format, args...))
	}
}

// Diagnostic is one problem, at its position (the generator's Diagnostic
// carries the same two fields, with review's check and fix besides).
type Diagnostic struct {
	Pos     token.Position // Filename is absolute; zero when the problem has no position
	Message string         // lowercase, no trailing period
}

// Analysis is the analyzed model of the loaded packages.
type Analysis struct {
	Packages    []*Package // sorted by import path
	Diagnostics []Diagnostic
	// Loaded are the packages as loaded (LoadModeCodeVersion, a stale
	// result_gen.go blanked out), sorted by import path: what review's
	// checks run on.
	Loaded []*packages.Package
}

// Package is one analyzed package: the functions that carry a //result:
// directive, in source order, with everything the generator resolved about
// them.
type Package struct {
	Path  string // import path
	Name  string // package name
	Dir   string // absolute directory
	Fset  *token.FileSet
	Types *types.Package

	// Funcs are the directive-carrying functions that passed every check,
	// sorted by source position.
	Funcs []*Func

	// GenFile is the absolute path of the package's result_gen.go;
	// GenFileExists reports whether it was on disk when the package was loaded.
	GenFile       string
	GenFileExists bool

	// Diagnostics are the problems found in this package (also listed in
	// Analysis.Diagnostics); a package with any gets no generated file.
	Diagnostics []Diagnostic

	// Directives counts the functions with a directive, including those that
	// failed a check (a package with errors still "has directives").
	Directives int

	// ModDir is Dir relative to the root of its module, slash-separated
	// ("." at the root); "" outside modules. The runtime finds the sources
	// of a generated file from it (runtime.Package.Dir).
	ModDir string
}

// Func is one directive-carrying function and its resolved settings.
type Func struct {
	Decl      *ast.FuncDecl
	Obj       *types.Func
	Directive *annotations.Directive

	Kind    annotations.Kind
	GoName  string // the function's name
	RunName string // Def.Name: the name directive, else GoName (flows: kebab-case)
	Names   Names  // the generated identifiers: FTask, FTaskType, fTaskDef
	Pos     token.Position

	HasCtx   bool    // a leading context.Context parameter
	Params   []Param // without the leading context.Context
	Variadic bool    // the last parameter is variadic (its Type is the slice)
	Result   types.Type
	// Type is the result type's fingerprint (internal/typeid), emitted into
	// the Def so that records are bound to it; zero without a value.
	Type         typeid.Fingerprint
	ReturnsError bool // the last result is error
	// Source is the task-source hash, CodeVersion.Hash: "sha256:<hex>" of
	// the function's code and of what it references (see the package
	// documentation, "Code version").
	Source      string
	CodeVersion CodeVersion
	// DirectiveHash is srcunit.DirectiveHash of the function's directive
	// lines: the runtime's stale-code check sees a directive edited since
	// generation through it.
	DirectiveHash string

	StorageKey *KeyTemplate // compiled storage_key; nil when unset
	// FlowKeyParams, on a flow, are its parameters the storage keys of the
	// tasks it calls may read ({flow_run.parameters[NAME]}): those whose
	// values can be written into a key.
	FlowKeyParams []KeyPart
	CacheKeyFn    *types.Func // cache_key_fn; nil when unset
	// CacheKeyFnCtx: the cache_key_fn takes a leading context.Context.
	CacheKeyFnCtx bool
	// OnCommit and OnRollback are the on_commit and on_rollback hooks; nil
	// when unset.
	OnCommit, OnRollback *Hook
	Serializer           types.Object    // custom serializer value; nil for built-ins
	Settings             []Setting       // the effective directive settings, in key order
	Call                 bool            // a Call method is generated
	Persist              PersistDecision // what the directive alone says about persistence
}

// Hook is a task's on_commit or on_rollback function: it takes the task's
// value (none when the task has none), after an optional
// context.Context, and returns nothing or an error.
type Hook struct {
	Fn           *types.Func
	Ctx          bool // a leading context.Context
	ReturnsError bool
}

// HasValue reports whether the function returns a value (not only an error
// or nothing).
func (f *Func) HasValue() bool { return f.Result != nil }

// Param is a parameter of a wrapped function.
type Param struct {
	Name string // the name in the function (Var when blank or unnamed)
	Var  string // the identifier the generated wrapper uses
	Type types.Type
	Hash HashKind
	// Object is the parameter in the function's signature.
	Object *types.Var
}

// HashKind is how the inputs hasher reads one parameter.
type HashKind uint8

const (
	HashValue      HashKind = iota // h.Value: any deterministic value
	HashString                     // h.String
	HashInt                        // h.Int
	HashUint                       // h.Uint
	HashFloat                      // h.Float
	HashComplex                    // h.Complex
	HashBool                       // h.Bool
	HashBytes                      // h.Bytes
	HashUnhashable                 // funcs, chans, unsafe pointers: h.Unhashable
)

// Setting is one directive setting as written: key, value and where.
type Setting struct {
	Key   string
	Value string
	Pos   token.Pos
}

// PersistDecision is what the directive alone decides about persistence; the
// run-time inheritance from flows and settings comes on top.
type PersistDecision struct {
	// State is "on", "off" or "inherit".
	State string
	// Reason names the directive key that decided, e.g. "storage_key"; empty
	// for "inherit".
	Reason string
}

// ComparePositions orders positions by file name, line and column, the
// order diagnostics and findings are reported in.
func ComparePositions(a, b token.Position) int {
	return cmp.Or(strings.Compare(a.Filename, b.Filename), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

// SortByPosition sorts s stably by position, then message, the order
// diagnostics and findings are reported in; at gives an element's two.
func SortByPosition[T any](s []T, at func(T) (token.Position, string)) {
	slices.SortStableFunc(s, func(a, b T) int {
		pa, ma := at(a)
		pb, mb := at(b)
		return cmp.Or(ComparePositions(pa, pb), strings.Compare(ma, mb))
	})
}

// SortDiagnostics sorts ds by position, then message, and drops exact
// duplicates (the loader can repeat an error).
func SortDiagnostics(ds []Diagnostic) []Diagnostic {
	SortByPosition(ds, func(d Diagnostic) (token.Position, string) { return d.Pos, d.Message })
	return slices.Compact(ds)
}

// BugMessage is the message of a diagnostic reporting a panic or an
// unexpected error in package pkg.
func BugMessage(pkg string, r any) string {
	return fmt.Sprintf("internal error in package %s: %v (this is a resultgen bug; please report it)", pkg, r)
}
