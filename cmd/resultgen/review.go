package main

import (
	"github.com/resultgen/resultgen/review"
)

const reviewUsage = `resultgen review shows, without running anything, where each task's and
flow's result will be stored and when, and reports every setting that will
lose data, collide or leak.

Usage:
  resultgen review [-format table|json|markdown] [-strict] [-v] [-tags TAGS] [packages]

For every task and flow: persisted or not and why (explicit, inferred from a
setting, inherited from a flow, the flow's retries, or the global default),
storage, key, serializer, cache policy and expiration, in-memory; one more
row per flow that calls it when the flow changes that. The header shows the
global settings in force (environment, then profile, then defaults).

Exit status: 0 when clean, 1 when there are errors (with -strict, warnings
too), 2 on bad usage or when the packages cannot be loaded.

Examples:
  resultgen review                      # the package in the current directory
  resultgen review ./...                # every package of the module
  resultgen review -format json ./... | jq '.rows[] | select(.persisted)'
  resultgen review -format markdown ./pipeline > RESULTS.md
  resultgen review -strict ./...        # in CI: warnings fail too
`

// runReview is "resultgen review": it prints the report.
func runReview(c *cmdEnv, args []string) error {
	fl := c.flags()
	format := fl.String("format", review.FormatTable, "output `format`: table, json or markdown")
	strict := fl.Bool("strict", false, "exit 1 on warnings too")
	verbose := fl.Bool("v", false, "log progress to stderr")
	tags := fl.String("tags", "", "comma-separated build `tags`")
	if err := fl.parse(args); err != nil {
		return err
	}
	switch *format {
	case review.FormatTable, review.FormatJSON, review.FormatMarkdown:
	default:
		return usagef("-format %q: want table, json or markdown", *format)
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
