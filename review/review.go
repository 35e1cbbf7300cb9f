package review

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/internal/findings"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
	"github.com/resultgen/resultgen/runtime/settings"
)

// Config configures Review.
type Config struct {
	// Dir is the directory patterns are resolved in, and what report
	// positions are relative to; "" is the current one.
	Dir string
	// Env is the go command's environment; nil is the current process's.
	Env []string
	// BuildFlags are passed to the go command, e.g. "-tags=integration".
	BuildFlags []string
	// Logger receives progress messages at debug level; nil is silent.
	Logger *slog.Logger
	// Settings are the global settings to judge with; nil loads them with
	// settings.Load (environment, then profile, then defaults).
	Settings *settings.Settings
	// Builtin judges with the built-in defaults instead, ignoring the
	// machine's settings, as resultvet does: what go generate enforces
	// must not depend on who runs it.
	Builtin bool
}

// ErrNoPackages is returned when the patterns match no package.
var ErrNoPackages = errors.New("no packages matched")

// Review loads the packages matched by patterns (default ".") with full
// type information and reports, for every task and flow, its effective
// settings, and every finding. It returns an error only when it cannot
// review at all: the settings or the packages cannot be loaded, or ctx is
// done. Type errors in the packages are not findings: a package whose
// generated file is missing or stale still gets reviewed (wrapper calls are
// then recognized by their syntax).
func Review(ctx context.Context, cfg Config, patterns ...string) (*Report, error) {
	st := cfg.Settings
	if st == nil && !cfg.Builtin {
		s, err := settings.Load()
		if err != nil {
			return nil, fmt.Errorf("review: load settings: %w", err)
		}
		st = &s
	}
	l, err := load(ctx, cfg, patterns)
	if err != nil {
		return nil, err
	}
	return l.report(cfg.Builtin, st), nil
}

// loaded is what Review loads: the packages, type-checked, and the
// folder their files are reported relative to.
type loaded struct {
	pkgs   []*packages.Package
	absDir string
}

// load loads the packages of patterns (default ".") as Review does.
func load(ctx context.Context, cfg Config, patterns []string) (*loaded, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	dir := cfg.Dir
	if dir == "" {
		dir = "."
	}
	pkgs, err := model.Load(ctx, model.Config{Dir: cfg.Dir, Env: cfg.Env, BuildFlags: cfg.BuildFlags, Logger: cfg.Logger}, patterns...)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("review: %v: %w", patterns, ErrNoPackages)
	}
	for _, p := range pkgs {
		for _, er := range p.Errors {
			if er.Kind == packages.ListError && len(p.GoFiles) == 0 {
				return nil, fmt.Errorf("review: %s: %w", p.PkgPath, er)
			}
		}
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	if cfg.Logger != nil {
		for _, p := range pkgs {
			cfg.Logger.Debug("review: loaded", "package", p.PkgPath, "files", len(p.Syntax))
		}
	}
	return &loaded{pkgs: pkgs, absDir: absDir}, nil
}

// report reviews the loaded packages under st (builtin: the built-in
// settings, as resultvet uses).
func (l *loaded) report(builtin bool, st *settings.Settings) *Report {
	defaults := findings.Builtin()
	if !builtin {
		defaults = defaultsOf(st)
	}
	rows, fs := findings.Run(defaults, l.absDir, model.NewCodeVersions(l.pkgs), findings.PackagesOf(l.pkgs))
	return reportOf(defaults, rows, fs)
}

// defaultsOf is the report header of the settings in force.
func defaultsOf(s *settings.Settings) report.Defaults {
	d := report.Defaults{
		PersistByDefault:  s.PersistByDefault,
		DefaultStorage:    s.DefaultStorage,
		LocalStoragePath:  s.LocalStoragePath,
		DefaultSerializer: s.DefaultSerializer,
		RefreshCache:      s.RefreshCache,
		EncryptResults:    s.EncryptResults,
	}
	if len(s.Sources) > 0 {
		d.Sources = map[string]string{}
		for _, name := range []string{settings.PersistByDefault, settings.DefaultStorage, settings.LocalStoragePath, settings.DefaultSerializer, settings.RefreshCache, settings.EncryptResults} {
			if src, ok := s.Sources[name]; ok {
				d.Sources[name] = string(src)
			}
		}
	}
	return d
}
