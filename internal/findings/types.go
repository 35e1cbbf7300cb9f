package findings

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/runtime"
)

// The types below are review's (package review documents them): Report
// holds review's own copies, filled from these by field, so that its public
// API names no internal type. A field added here must be added there.

// Severity is how bad a finding is.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Check names (review.Finding.Check).
const (
	CheckDirective      = "directive"
	CheckPersistOff     = "persist-off"
	CheckUnencodable    = "unencodable"
	CheckDroppedField   = "dropped-field"
	CheckUndecodable    = "undecodable-field"
	CheckKeyParams      = "key-params"
	CheckKeyConflict    = "key-conflict"
	CheckKeyFnIgnored   = "key-fn-ignored"
	CheckSecretInKey    = "secret-in-key"
	CheckRetriesNoStore = "retries-no-persist"
	CheckUselessExpiry  = "useless-expiration"
	CheckNeverReadable  = "never-readable"
	CheckNondeterminism = "nondeterministic"
)

// Finding is review.Finding, with At, its position in the file set of the
// package it was found in.
type Finding struct {
	Pos      token.Position
	Position string // relative to the engine's directory when inside it
	Severity Severity
	Check    string
	Func     string
	Message  string
	Fix      string
	At       token.Pos
}

// Defaults is review.Defaults.
type Defaults struct {
	PersistByDefault  bool
	DefaultStorage    string
	LocalStoragePath  string
	DefaultSerializer string
	RefreshCache      bool
	Sources           map[string]string
}

// Row is review.Row.
type Row struct {
	Package, Kind, Func, Name, Position, CalledFrom, CallPosition string
	CalledVia, SameIn                                             []string

	Persisted bool
	Why       string
	WhyKind   runtime.PersistKind
	WhyFrom   string

	Storage, StorageFrom string
	Key                  string
	KeyKind              runtime.KeyKind

	Serializer, Compression, SerializerFrom string
	CachePolicy, CacheExpiration            string
	InMemory                                bool
	Retries                                 int
	CodeVersion                             *model.CodeVersion
}

// Builtin is the global settings resultvet and go generate judge with:
// what they enforce must not depend on who runs them.
func Builtin() Defaults { return Defaults{DefaultSerializer: "msgpack"} }

// Package is one type-checked package: what every front end hands the
// engine.
type Package struct {
	Fset  *token.FileSet
	Files []*ast.File
	Types *types.Package
	Info  *types.Info
}

// Run reviews pkgs with the global settings d: the rows (by package, then
// source order) and the findings (by position). Positions are relative to
// dir when inside it; rows get code versions when codes is not nil.
func Run(d Defaults, dir string, codes *model.CodeVersions, pkgs []Package) ([]Row, []Finding) {
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
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(model.ComparePositions(a.Pos, b.Pos), strings.Compare(a.Message, b.Message))
	})
}
