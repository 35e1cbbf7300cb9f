package main

// resultgen results diff.

import (
	"fmt"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
)

const resultsDiffUsage = `Usage:
  resultgen results diff [-storage SPEC] KEY1 KEY2

diff prints what differs between two records' key manifests and result
types, in the words of RESULTGEN_EXPLAIN_MISSES: "parameter n changed", "code
changed: func normalize (pipeline/clean.go:42)", "result type changed: field
Total added". A KEY may be a unique start of a key, or its start and end as
resultgen prints them ("9b8247d5...2dd8"); see resultgen results show -h.
` + storageHelp + `
Examples:
  resultgen results diff 9b8247d5...2dd8 740e19d5...cbb7
  resultgen results diff -storage s3/prod reports/2026/q1 reports/2026/q2
`

func resultsDiff(c *cmdEnv, args []string) error {
	fs := c.flags()
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
		if keys[i], err = resolveKey(c, st, k); err != nil {
			return err
		}
		m, err := record.ReadMeta(c.ctx, st, keys[i])
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
