package main

// What the prune-style commands share: the pass that prints what it
// removes, and the -older-than and -max-size flag values.

import (
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

// pruning is one prune-style pass over a store, as the CLI words it: each
// item it removes (or aborts) is a line on stdout, a failure a line on
// stderr, and the summary a last line on stderr.
type pruning struct {
	c      *cmdEnv
	st     storage.Storage
	dryRun bool
	verb   string // "remove", "abort"
	past   string // "removed", "aborted"
	prep   string // "from", "in": how the summary names the store

	n, failed int  // items done (or that would be), items whose removal failed
	ok        bool // false once the store failed to list

	prog   *progress // on stderr, cleared before each line
	looked int       // objects looked at, for prog
}

func newPruning(c *cmdEnv, st storage.Storage, dryRun bool, verb, past, prep string) *pruning {
	return &pruning{c: c, st: st, dryRun: dryRun, verb: verb, past: past, prep: prep, ok: true, prog: newProgress(c, false)}
}

// opts are the options of the pass's results.Prune* call: its dry run, and
// progress while it looks at a large store.
func (p *pruning) opts() results.PruneOptions {
	return results.PruneOptions{DryRun: p.dryRun, Looked: func() {
		p.looked++
		p.prog.update(func() string { return fmt.Sprintf("%s: %d objects looked at", p.c.name, p.looked) })
	}}
}

// did is how an item's stdout line starts: "removed" or "would remove".
func (p *pruning) did() string {
	if p.dryRun {
		return "would " + p.verb
	}
	return p.past
}

// drain runs seq, a results.Prune* sequence: a listing error ends it and
// clears p.ok, an item's error (errOf, with the item's name) is logged and
// counted in p.failed, and every other item goes to each.
func drain[T any](p *pruning, seq iter.Seq2[T, error], errOf func(T) (string, error), each func(T)) {
	defer p.prog.done()
	for item, err := range seq {
		p.prog.done() // what follows goes where the progress was
		if err != nil {
			p.c.logf("%s: %v", p.st, err)
			p.ok = false
			return
		}
		if name, err := errOf(item); err != nil {
			p.c.logf("%s: %v", name, err)
			p.failed++
			continue
		}
		each(item)
	}
}

// summary logs what the pass did to what ("3 records (1.2 MB)"), or would
// have, then more (", kept 2"), and returns its result: the failures,
// counted as failedNoun, or errReported when the store failed to list.
func (p *pruning) summary(what, more, failedNoun string) error {
	if p.dryRun {
		p.c.logf("dry run: would %s %s %s %s, %s none%s", p.verb, what, p.prep, p.st, p.past, more)
	} else {
		p.c.logf("%s %s %s %s%s", p.past, what, p.prep, p.st, more)
	}
	if p.failed > 0 {
		return fmt.Errorf("%s could not be %s", plural(p.failed, failedNoun), p.past)
	}
	return reported(p.ok)
}

// parseAge parses a Go duration, also accepting days: "30d", "1d12h".
func parseAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("bad duration %q: want a Go duration such as 36h, or days such as 30d", s)
	days, rest, found := strings.Cut(s, "d")
	if !found {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, bad
		}
		return d, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 0 || n > 1e6 {
		return 0, bad
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, bad
		}
		d += r
	}
	return d, nil
}

type ageFlag struct {
	d   time.Duration
	set bool
}

func (a *ageFlag) String() string {
	if a == nil || a.d == 0 {
		return ""
	}
	return a.d.String()
}

func (a *ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("must be positive, got %q", s)
	}
	a.d, a.set = d, true
	return nil
}

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
