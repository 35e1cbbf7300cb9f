package main

import (
	"github.com/resultgen/resultgen/review"
)

const reviewUsage = `resultgen review shows, without running anything, where each task's and
flow's result will be stored and when, and reports every setting that will
lose data, collide or leak.

Usage:
  resultgen review [-format table|json|markdown|mermaid|dot] [-strict] [-v] [-tags TAGS] [packages]

For every task and flow: persisted or not and why (explicit, inferred from a
setting, inherited from a flow, the flow's retries, or the global default),
storage, key, serializer, cache policy and expiration, in-memory; one more
row per flow that calls it when the flow changes that. The header shows the
global settings in force (environment, then profile, then defaults).

-format mermaid and -format dot draw the same as a picture instead: each
package's flows and the tasks (and subflows) they call, each edge labelled
with that call's persistence, storage, serializer and cache policy, and each
flow with where its own result goes. Mermaid is for Markdown (code hosts
render a ` + "```mermaid" + ` block); dot is for Graphviz (dot -Tsvg).

Exit status: 0 when clean, 1 when there are errors (with -strict, warnings
too), 2 on bad usage or when the packages cannot be loaded.

Examples:
  resultgen review                      # the package in the current directory
  resultgen review ./...                # every package of the module
  resultgen review -format json ./... | jq '.rows[] | select(.persisted)'
  resultgen review -format markdown ./pipeline > RESULTS.md
  resultgen review -format mermaid ./pipeline   # paste into a ` + "```mermaid" + ` block
  resultgen review -format dot ./... | dot -Tsvg > flows.svg
  resultgen review -strict ./...        # in CI: warnings fail too
`

// runReview is "resultgen review": it prints the report.
func runReview(c *cmdEnv, args []string) error {
	fl := c.flags()
	format := fl.String("format", review.FormatTable, "output `format`: table, json, markdown, mermaid or dot")
	strict := fl.Bool("strict", false, "exit 1 on warnings too")
	verbose := fl.Bool("v", false, "log progress to stderr")
	tags := fl.String("tags", "", "comma-separated build `tags`")
	if err := fl.parse(args); err != nil {
		return err
	}
	switch *format {
	case review.FormatTable, review.FormatJSON, review.FormatMarkdown, review.FormatMermaid, review.FormatDot:
	default:
		return usagef("-format %q: want table, json, markdown, mermaid or dot", *format)
	}
	load, err := loadConfig(*tags, *verbose, c.stderr)
	if err != nil {
		return err
	}
	rep, err := review.Review(c.ctx, review.Config{Dir: load.Dir, Env: load.Env, BuildFlags: load.BuildFlags, Logger: load.Logger}, fl.Args()...)
	if err != nil {
		return usageError{err} // the packages cannot be loaded: exit 2, as the help says
	}
	if err := review.Write(c.stdout, rep, *format); err != nil {
		return err
	}
	if rep.Failed(*strict) {
		return errReported // the report says what failed
	}
	return nil
}
