package main

// results diff, ls -summary, rm -task/-flow, prune -stale and -max-size.

import (
	"fmt"
	"go/types"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/resultgen/resultgen/internal/cachepolicy"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime"
)

func printSummary(w io.Writer, sum []results.TaskSummary, format string) error {
	if format == "json" {
		if sum == nil {
			sum = []results.TaskSummary{}
		}
		return writeJSON(w, sum)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tRECORDS\tSIZE\tLAST USED")
	var n int
	var bytes int64
	for _, s := range sum {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", dash(s.Task), s.Records, results.FormatSize(s.Bytes), results.FormatTime(s.LastUsed))
		n += s.Records
		bytes += s.Bytes
	}
	fmt.Fprintf(tw, "(total)\t%d\t%s\t\n", n, results.FormatSize(bytes))
	tw.Flush()
	return nil
}

func resultsDiff(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	keys, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(keys) != 2 {
		return usagef("want KEY1 KEY2, got %d arguments", len(keys))
	}
	st, done, err := resultsStore(c, *spec, keys...)
	if err != nil {
		return err
	}
	defer done()
	var metas [2]record.Meta
	for i, k := range keys {
		m, err := record.ReadMeta(c.ctx, st, k)
		if err != nil {
			return err
		}
		metas[i] = m
	}
	a, b := metas[0], metas[1]
	fmt.Fprintf(c.stdout, "%s: %s, created %s\n", keys[0], dash(a.Func), results.FormatTime(a.Created))
	fmt.Fprintf(c.stdout, "%s: %s, created %s\n", keys[1], dash(b.Func), results.FormatTime(b.Created))
	if a.Func != b.Func {
		fmt.Fprintf(c.stdout, "note: written by different functions\n")
	}
	if a.Manifest == nil || b.Manifest == nil {
		fmt.Fprintf(c.stdout, "note: a record without a key manifest (written by an older resultgen, or a flow): only result types are compared\n")
	}
	diffs := record.Compare(a, b)
	if len(diffs) == 0 {
		fmt.Fprintln(c.stdout, "no difference in what the keys were made of, nor in the result type")
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(c.stdout, d)
	}
	return nil
}

// removeSelected is "rm -task NAME" and "rm -flow NAME".
func removeSelected(c *cmdEnv, spec string, crit results.Criteria, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	p := newPruning(c, st, dryRun, "remove", "removed", "from")
	var fns []string
	drain(p, results.Prune(c.ctx, st, crit, results.PruneOptions{DryRun: dryRun}), prunedErr, func(r results.Pruned) {
		p.n++
		fns = append(fns, r.Meta.Func)
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	if !dryRun && p.ok && p.failed == 0 && crit.Task != "" {
		// nothing of the task is left: its index goes too
		if err := results.RemoveIndexes(c.ctx, st, fns); err != nil {
			c.logf("task index: %v", err)
		}
	}
	return p.summary(plural(p.n, "record"), "", "record")
}

// pruneToSize is "prune -max-size SIZE".
func pruneToSize(c *cmdEnv, spec, prefix string, max int64, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	p := newPruning(c, st, dryRun, "remove", "removed", "from")
	var freed int64
	drain(p, results.PruneToSize(c.ctx, st, prefix, max, results.PruneOptions{DryRun: dryRun}), prunedErr, func(r results.Pruned) {
		p.n++
		freed += r.ObjectSize
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	return p.summary(plural(p.n, "record")+" ("+results.FormatSize(freed)+")", "", "record")
}

// prunedErr is a pruned record's failure, for drain.
func prunedErr(r results.Pruned) (string, error) { return r.Key, r.Err }

// sizeFlag parses "500MB", "2GiB", "1.5G", "1024" (bytes). Decimal units
// (kB, MB, GB, TB) are powers of 1000, binary ones (KiB, MiB, GiB, TiB and
// the bare K, M, G, T) powers of 1024.
type sizeFlag struct {
	n   int64
	set bool
}

func (f *sizeFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatInt(f.n, 10)
}

func (f *sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	f.n, f.set = n, true
	return nil
}

func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q: want a number and a unit, such as 500MB or 2GiB", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("bad size %q: unknown unit %q (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)", s, unit)
	}
	if v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("bad size %q: too large", s)
	}
	return int64(v * mult), nil
}

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
	a, err := model.Analyze(c.ctx, model.Config(cfg), patterns...)
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
	p, err := cachepolicy.Parse(policy)
	return err == nil && p.Has(cachepolicy.TaskSource)
}

func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
