package main

import (
	"fmt"
	"iter"

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
}

func newPruning(c *cmdEnv, st storage.Storage, dryRun bool, verb, past, prep string) *pruning {
	return &pruning{c: c, st: st, dryRun: dryRun, verb: verb, past: past, prep: prep, ok: true}
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
	for item, err := range seq {
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
