package main

// resultgen results prune.

import (
	"errors"
	"fmt"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsPruneUsage = `Usage:
  resultgen results prune [-storage SPEC] [-expired] [-older-than D] [-task NAME] [-flow NAME] [-prefix P] [-tmp] [-dry-run]
  resultgen results prune -runs-older-than D [-storage SPEC] [-task NAME] [-flow NAME] [-prefix P] [-dry-run]
  resultgen results prune -stale [-storage SPEC] [-tags T] [-v] [-dry-run] [PACKAGES]
  resultgen results prune -max-size SIZE [-storage SPEC] [-prefix P] [-dry-run]
  resultgen results prune -uploads -older-than D [-storage SPEC] [-prefix P] [-dry-run]

prune removes the records matching every criterion given; at least one of
-expired, -older-than, -runs-older-than, -task, -flow, -stale and -tmp is
required. -dry-run only prints what would be removed. It never removes an
object that is not a resultgen record.

-runs-older-than D removes run-scoped records, those a task wrote for one
flow run (its cache_policy has run_id, as the default policy does), of runs
that finished more than D ago: no run can read them again. A run's records
go together, once its newest record is older than D; those of a named run
(runtime.RunID) only once the run has finished (its result at
.runs/FLOW/ID), since a run that stopped part way resumes from them.

-tmp removes the store's stale own files: temporary files whose writer is
gone (at once when it ran on this machine since its last boot, else once
unwritten for an hour with no process of its pid here), and idle lock files;
never those in use, nor a file of yours that merely starts with .tmp-. It
also removes what abandoned transactions left (runtime.Transaction): the
records they staged and never committed, which no run can see, and their
markers under .txn/; a transaction is abandoned once its process is gone
(at once when it ran on this machine since its last boot, else after 24h).

With -uploads it aborts the S3 store's incomplete uploads started more than
-older-than ago instead (-older-than 0s: all, even ones in progress), and
touches no record.

-stale loads PACKAGES (default ./...) like resultgen check, with its -tags
and -v, and removes the records their code can no longer produce: of a task
or flow that no longer exists in a loaded package, of another result type
than it now returns, or (when the key has the task_source part) of another
code version. Records of packages not loaded, or with generate errors, are
kept.

-max-size SIZE (e.g. 500MB, 2GiB) removes the least recently used records
until the records take at most SIZE.
` + storageHelp + `
Examples:
  resultgen results prune -expired
  resultgen results prune -older-than 30d -task load-rows -dry-run
  resultgen results prune -runs-older-than 7d -dry-run
  resultgen results prune -tmp
  resultgen results prune -stale -dry-run ./...
  resultgen results prune -max-size 10GiB
  resultgen results prune -storage s3/prod -uploads -older-than 24h
`

func resultsPrune(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	expired := fs.Bool("expired", false, "remove records whose expiration has passed")
	var age ageFlag
	fs.Var(&age, "older-than", "remove records created more than `DURATION` ago (36h, 30d, 1d12h)")
	var runsAge ageFlag
	fs.Var(&runsAge, "runs-older-than", "remove the run-scoped records (cache_policy with run_id) of runs that finished more than `DURATION` ago")
	task := fs.String("task", "", "remove only records of the task or flow `NAME` (Step, durable.Step or example.com/app/durable.Step)")
	flow := fs.String("flow", "", "remove only records of the flow `NAME` (or flow run) and of its tasks")
	prefix := fs.String("prefix", "", "remove only records whose keys start with `P`")
	tmp := fs.Bool("tmp", false, "remove the store's stale temporary files and idle lock files")
	dryRun := fs.Bool("dry-run", false, "print what would be removed; remove nothing")
	uploads := fs.Bool("uploads", false, "abort the store's incomplete uploads started more than -older-than ago (S3), not records")
	stale := fs.Bool("stale", false, "remove the records the code of PACKAGES can no longer produce")
	tags := fs.String("tags", "", "with -stale: comma-separated build `tags` for loading PACKAGES")
	verbose := fs.Bool("v", false, "with -stale: print progress of loading PACKAGES on stderr")
	var maxSize sizeFlag
	fs.Var(&maxSize, "max-size", "remove the least recently used records until they take at most `SIZE` (500MB, 2GiB)")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if maxSize.set {
		if *expired || age.set || runsAge.set || *task != "" || *flow != "" || *stale || *tmp || *uploads {
			return usagef("-max-size goes alone (with -prefix, -storage and -dry-run)")
		}
		if len(pos) > 0 {
			return usagef("-max-size takes no arguments")
		}
		if err := checkPrefix(*prefix); err != nil {
			return err
		}
		return pruneToSize(c, *spec, *prefix, maxSize.n, *dryRun)
	}
	var staleFn func(record.Meta) (bool, string)
	if *stale {
		if *uploads {
			return usagef("-stale selects records, -uploads uploads: not both")
		}
		if staleFn, err = staleChecker(c, *tags, *verbose, pos); err != nil {
			return err
		}
		pos = nil
	} else if *tags != "" || *verbose {
		return usagef("-tags and -v go with -stale")
	}
	if len(pos) > 0 {
		return usagef("takes no arguments, got %q (to remove given keys use resultgen results rm)", pos)
	}
	if *uploads {
		switch {
		case *expired || *task != "" || *flow != "" || runsAge.set:
			return usagef("-uploads aborts incomplete uploads by age: -expired, -runs-older-than, -task and -flow select records, not uploads")
		case !age.set:
			return usagef("-uploads needs -older-than D (24h leaves uploads in progress alone; 0s aborts all)")
		}
		if err := checkPrefix(*prefix); err != nil {
			return err
		}
		return pruneUploads(c, *spec, *prefix, age.d, *dryRun)
	}
	if age.set && age.d == 0 {
		return usagef("invalid value \"0\" for flag -older-than: must be positive for records")
	}
	if runsAge.set && runsAge.d == 0 {
		return usagef("invalid value \"0\" for flag -runs-older-than: must be positive (a run may still be writing)")
	}
	crit := results.Criteria{Expired: *expired, OlderThan: age.d, Task: *task, Flow: *flow, Prefix: *prefix, Stale: staleFn, RunsOlderThan: runsAge.d}
	records := true
	if err := crit.Validate(); err != nil {
		if !*tmp || !errors.Is(err, results.ErrNoCriteria) {
			if errors.Is(err, results.ErrNoCriteria) {
				err = fmt.Errorf("%w, or -tmp", err)
			}
			return usageError{err}
		}
		records = false // -tmp alone
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()
	if records {
		if err := checkNames(c, st, crit); err != nil {
			return err
		}
	}

	p := newPruning(c, st, *dryRun, "remove", "removed", "from")
	if *tmp {
		var kept int
		drain(p, results.PruneTemps(c.ctx, st, p.opts()), prunedErr, func(r results.Pruned) {
			if r.Removed || (*dryRun && r.Temp.Stale) {
				p.n++
				fmt.Fprintf(c.stdout, "%s %s (%s %s)\n", p.did(), r.Key, r.Temp.Kind, r.Why)
			} else {
				kept++
				c.logf("kept %s (%s %s)", r.Key, r.Temp.Kind, r.Why)
			}
		})
		err := p.summary(plural(p.n, "temporary file"), fmt.Sprintf(", kept %d (in use or too young)", kept), "file")
		p.n = 0
		kept = 0
		txnErr := func(r results.PrunedTxn) (string, error) { return "transaction " + r.ID, r.Err }
		drain(p, results.PruneTxns(c.ctx, st, p.opts()), txnErr, func(r results.PrunedTxn) {
			if r.Removed || (*dryRun && r.Abandoned) {
				p.n++
				fmt.Fprintf(c.stdout, "%s transaction %s and its %s (%s)\n", p.did(), r.ID, plural(len(r.Records), "staged record"), r.Why)
			} else {
				kept++
				c.logf("kept transaction %s (%s)", r.ID, r.Why)
			}
		})
		err = errors.Join(err, p.summary(plural(p.n, "abandoned transaction"), fmt.Sprintf(", kept %d (in progress)", kept), "transaction"))
		if !records {
			return err
		}
		p.n = 0
	}
	drain(p, results.Prune(c.ctx, st, crit, p.opts()), prunedErr, func(r results.Pruned) {
		p.n++
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	return p.summary(plural(p.n, "record"), "", "record")
}

// pruneUploads is "prune -uploads".
func pruneUploads(c *cmdEnv, spec, prefix string, olderThan time.Duration, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	if _, can := st.(storage.UploadLister); !can {
		c.logf("%s keeps no incomplete uploads (only S3 stores do)", st)
		return nil
	}
	p := newPruning(c, st, dryRun, "abort", "aborted", "in")
	uploadErr := func(u results.PrunedUpload) (string, error) { return "upload of " + u.Key, u.Err }
	drain(p, results.PruneUploads(c.ctx, st, prefix, olderThan, p.opts()), uploadErr, func(u results.PrunedUpload) {
		p.n++
		fmt.Fprintf(c.stdout, "%s upload of %s (started %s, %s ago, %s)\n", p.did(), u.Key, results.FormatTime(u.Initiated), u.Age.Round(time.Second), uploadSize(u.Size))
	})
	return p.summary(plural(p.n, "incomplete upload"), "", "upload")
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
	drain(p, results.PruneToSize(c.ctx, st, prefix, max, p.opts()), prunedErr, func(r results.Pruned) {
		p.n++
		freed += r.ObjectSize
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	return p.summary(plural(p.n, "record")+" ("+results.FormatSize(freed)+")", "", "record")
}

// prunedErr is a pruned record's failure, for drain.
func prunedErr(r results.Pruned) (string, error) { return r.Key, r.Err }
