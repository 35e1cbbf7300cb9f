package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

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

Flags:
`

// runReview is "resultgen review": it prints the report and returns the
// exit code.
func runReview(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("resultgen review", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", review.FormatTable, "output `format`: table, json or markdown")
	strict := fl.Bool("strict", false, "exit 1 on warnings too")
	verbose := fl.Bool("v", false, "log progress to stderr")
	tags := fl.String("tags", "", "comma-separated build `tags`")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), reviewUsage)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fl.SetOutput(stdout)
			fl.Usage()
			return exitOK
		}
		return exitUsage
	}
	switch *format {
	case review.FormatTable, review.FormatJSON, review.FormatMarkdown:
	default:
		fmt.Fprintf(stderr, "resultgen review: -format %q: want table, json or markdown\n", *format)
		return exitUsage
	}
	load, err := loadConfig(*tags, *verbose, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "resultgen review: %v\n", err)
		return exitProblems
	}
	cfg := review.Config{Config: load}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := review.Review(ctx, cfg, fl.Args()...)
	if err != nil {
		fmt.Fprintf(stderr, "resultgen review: %v\n", err)
		return exitUsage
	}
	if err := review.Write(stdout, rep, *format); err != nil {
		fmt.Fprintf(stderr, "resultgen review: %v\n", err)
		return exitProblems
	}
	if rep.Failed(*strict) {
		return exitProblems
	}
	return exitOK
}
