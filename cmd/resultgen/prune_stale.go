package main

// resultgen results prune -stale: which records the loaded code can no
// longer produce.

import (
	"fmt"
	"go/types"
	"strings"

	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime"
)

// current is what the loaded code says about one function.
type current struct {
	source, typeHash, typeDesc, goType string
}

// staleChecker loads patterns (default ./...) as resultgen check does, with
// build tags and verbosity, and returns the prune -stale criterion: a record is stale when its function's package was loaded
// without errors and the function is gone, returns another result type,
// or (keys with task_source) has another code version.
func staleChecker(c *cmdEnv, tags string, verbose bool, patterns []string) (func(record.Meta) (bool, string), error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	cfg, err := loadConfig(tags, verbose, c.stderr)
	if err != nil {
		return nil, err
	}
	a, err := model.Analyze(c.ctx, cfg.ModelConfig(), patterns...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", strings.Join(patterns, " "), err)
	}
	funcs := map[string]current{}
	known := map[string]bool{} // packages whose functions are all known
	broken := map[string]bool{}
	void := typeid.Of[runtime.Void]().Hash()
	for _, p := range a.Packages {
		if len(p.Diagnostics) > 0 {
			broken[p.Path] = true
			c.logf("%s has generate errors; its records are kept", p.Path)
			continue
		}
		known[p.Path] = true
		for _, f := range p.Funcs {
			c := current{source: f.Source, typeHash: void, goType: "(nothing)"}
			if f.Result != nil {
				c.typeHash, c.typeDesc, c.goType = f.Type.Hash(), f.Type.Canonical(), types.TypeString(f.Result, nil)
			}
			funcs[p.Path+"."+f.GoName] = c
		}
	}
	return func(m record.Meta) (bool, string) {
		if m.Func == "" {
			return false, "" // older than function names in records
		}
		pkg := m.Func[:max(strings.LastIndex(m.Func, "."), 0)]
		c, ok := funcs[m.Func]
		switch {
		case !ok && known[pkg]:
			return true, "stale: " + m.Func + " no longer exists (or has no directive)"
		case !ok:
			return false, ""
		case m.TypeHash != "" && m.TypeHash != c.typeHash:
			return true, "stale: " + strings.Join(record.CompareTypes(m.GoType, m.TypeDesc, c.goType, c.typeDesc), "; ")
		case m.Manifest != nil && hasTaskSource(m.Manifest.Policy) && m.Manifest.Source != c.source:
			return true, "stale: code changed since the record was written (" + shortHash(m.Manifest.Source) + " -> " + shortHash(c.source) + "); its key can no longer come up"
		}
		return false, ""
	}, nil
}

// hasTaskSource reports whether a record's resolved cache policy has the
// task_source part; a policy that does not parse says nothing.
func hasTaskSource(policy string) bool {
	p, err := rules.ParsePolicy(policy)
	return err == nil && p.Has(rules.PolicyTaskSource)
}

func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
