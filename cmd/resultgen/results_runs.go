package main

// resultgen results runs.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsRunsUsage = `Usage:
  resultgen results runs [-storage SPEC] [-flow NAME] [-status S] [-older-than D] [-newer-than D] [-format table|json]
  resultgen results runs [-storage SPEC] [-flow NAME] [-format table|json] ID

runs lists the named flow runs (runtime.RunID) of a store, one row each:
flow, run id, status, started, ended, duration, steps, the process that ran
it (host:pid) and, for a failed run, its error (redacted when written). It
reads the records under .runs/ only, the record each run keeps at
.runs/FLOW/ID, and streams them: memory does not grow with the store.

A status is one of:
  Running                an attempt started and has not ended
  Running (holder gone)  the record says Running, but its process is gone
                         (killed): it ran on this machine and its pid no
                         longer runs, or nobody holds the run's lock (local:
                         no process holds its lock file; S3: its lease
                         expired, RESULTGEN_LEASE_TTL after its last
                         renewal); run the flow again with the same id to
                         resume it
  Completed              the run finished; its result is at its key
  Failed                 the last attempt failed; the same id resumes it

STEPS is what the last attempt finished (persisted task runs it completed or
loaded); "-" while it runs.

With an ID, runs shows that run (of each flow that has one) and its steps:
the records its tasks wrote (label flow_run_id), which takes one pass over
the whole store, as results ls -flow-run ID does.

-flow NAME keeps the runs of one flow; -status S those in status S
(running, gone, completed or failed); -older-than D and -newer-than D those
whose last attempt started more, or less, than D ago (D: a Go duration, or
days as 7d). -format json (or -json) prints each run's fields.
` + storageHelp + `
Examples:
  resultgen results runs
  resultgen results runs -status failed -newer-than 1d
  resultgen results runs -flow etl -format json
  resultgen results runs order-42
`

func resultsRuns(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	flow := fs.String("flow", "", "only runs of the flow `NAME` (etl, app.ETL or example.com/app.ETL)")
	status := fs.String("status", "", "only runs in `STATUS`: running, gone, completed or failed")
	runID := fs.String("run", "", "show the run `ID` and its steps (the same as giving ID)")
	format := fs.String("format", "table", "output `format`: table or json")
	asJSON := fs.Bool("json", false, "the same as -format json")
	var older, newer ageFlag
	fs.Var(&older, "older-than", "only runs that started more than `DURATION` ago (7d, 12h)")
	fs.Var(&newer, "newer-than", "only runs that started less than `DURATION` ago (7d, 12h)")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if *asJSON {
		*format = "json"
	}
	id := *runID
	switch {
	case len(pos) > 1:
		return usagef("want at most one run ID, got %q", pos)
	case len(pos) == 1 && id != "" && pos[0] != id:
		return usagef("two run ids: -run %s and %s", id, pos[0])
	case len(pos) == 1:
		id = pos[0]
	}
	if err := checkFormat(*format, []string{"table", "json"}); err != nil {
		return err
	}
	opts := results.RunsOptions{Flow: *flow, ID: id, OlderThan: older.d, NewerThan: newer.d, Now: time.Now()}
	if *status != "" {
		if opts.Status, err = results.ParseRunStatus(*status); err != nil {
			return usageError{err}
		}
	}
	if id != "" {
		if err := checkKeys(id); err != nil || strings.Contains(id, "/") {
			return usagef("run id %q: a run id is one key segment", id)
		}
		if *status != "" || older.set || newer.set {
			return usagef("-status, -older-than and -newer-than select runs to list; with a run ID they do not apply")
		}
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	prog := newProgress(c, true)
	defer prog.done()
	looked := 0
	opts.Looked = func() {
		looked++
		prog.update(func() string { return fmt.Sprintf("runs: %d objects looked at", looked) })
	}
	if id != "" {
		return showRun(c, st, opts, *format, prog)
	}
	out := &runLister{c: c, format: *format, now: opts.Now, json: &jsonArray{w: c.stdout}}
	for r, err := range results.Runs(c.ctx, st, opts) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		if err := out.add(r); err != nil {
			return err
		}
	}
	prog.done()
	if err := out.end(); err != nil {
		return err
	}
	if out.n == 0 && *format != "json" {
		fmt.Fprintf(c.stderr, "no named runs%s in %s\n", runsWhat(opts), st)
	}
	if out.gone > 0 {
		fmt.Fprintf(c.stderr, "%s gone: run the flow again with the same id to resume, or forget the run with resultgen results rm -flow-run ID\n", plural(out.gone, "run's holder")+" "+isAre(out.gone))
	}
	return nil
}

// runsWhat says which runs opts selects, for "no named runs ... in ST".
func runsWhat(o results.RunsOptions) string {
	var b strings.Builder
	if o.Flow != "" {
		fmt.Fprintf(&b, " of flow %q", o.Flow)
	}
	if o.Status != "" {
		fmt.Fprintf(&b, " in status %s", o.Status)
	}
	if o.OlderThan > 0 {
		fmt.Fprintf(&b, " older than %s", o.OlderThan)
	}
	if o.NewerThan > 0 {
		fmt.Fprintf(&b, " newer than %s", o.NewerThan)
	}
	return b.String()
}

// runLister writes the runs as they come: a table or a JSON array.
type runLister struct {
	c      *cmdEnv
	format string
	now    time.Time
	tbl    *table
	n      int
	gone   int
	json   *jsonArray // format json: the runs so far
}

func (l *runLister) add(r results.Run) error {
	l.n++
	if r.Status == results.RunHolderGone {
		l.gone++
	}
	if l.format == "json" {
		return l.json.add(r)
	}
	if l.tbl == nil {
		l.tbl = newTable(l.c.stdout, "FLOW", "RUN ID", "STATUS", "STARTED", "ENDED", "DURATION", "STEPS", "HOST:PID", "ERROR")
	}
	l.tbl.row(dash(r.Flow), r.ID, string(r.Status), results.FormatTime(r.Started), results.FormatTime(r.Ended),
		runDuration(r, l.now), runSteps(r), runHolder(r), dash(r.Error))
	return nil
}

func (l *runLister) end() error {
	switch {
	case l.format == "json":
		if err := l.json.end(); err != nil {
			return err
		}
		_, err := io.WriteString(l.c.stdout, "\n")
		return err
	case l.tbl != nil:
		l.tbl.flush()
	}
	return nil
}

func runDuration(r results.Run, now time.Time) string {
	if r.Started.IsZero() || r.Status == results.RunHolderGone {
		return "-"
	}
	d := r.Duration(now)
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func runSteps(r results.Run) string {
	if r.Steps < 0 {
		return "-"
	}
	return strconv.Itoa(r.Steps)
}

func runHolder(r results.Run) string {
	if r.PID == 0 {
		return "-"
	}
	return cmp.Or(r.Host, "?") + ":" + strconv.Itoa(r.PID)
}

// showRun prints the runs with opts.ID (one per flow that has one) and
// their steps.
func showRun(c *cmdEnv, st storage.Storage, opts results.RunsOptions, format string, prog *progress) error {
	var runs []results.Run // one per flow with the id: a handful
	for r, err := range results.Runs(c.ctx, st, opts) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		what := ""
		if opts.Flow != "" {
			what = fmt.Sprintf(" of flow %q", opts.Flow)
		}
		return fmt.Errorf("no named run %q%s in %s: %w (resultgen results runs lists them)", opts.ID, what, st, storage.ErrNotFound)
	}
	steps := results.RunSteps(c.ctx, st, opts.ID, 0, opts.Looked)
	if format == "json" {
		return showRunJSON(c, runs, steps, prog)
	}
	w := c.stdout
	for i, r := range runs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		t := newTable(w, "flow:", r.Flow+" ("+r.Func+")")
		t.row("run id:", r.ID)
		t.row("status:", string(r.Status))
		t.row("started:", results.FormatTime(r.Started))
		t.row("ended:", results.FormatTime(r.Ended))
		t.row("duration:", runDuration(r, opts.Now))
		t.row("process:", runHolder(r))
		t.row("code version:", dash(r.CodeVersion))
		t.row("steps:", runSteps(r))
		if r.Error != "" {
			t.row("error:", r.Error)
		}
		t.row("key:", r.Key)
		t.flush()
	}
	fmt.Fprintln(w)
	var tbl *table
	n := 0
	for s, err := range steps {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		if tbl == nil {
			tbl = newTable(w, "STEP", "TASK", "FLOW RUN", "CREATED", "OBJECT SIZE", "KEY")
		}
		n++
		tbl.row(dash(s.Run), dash(s.Task), s.FlowRun, results.FormatTime(s.Created), results.FormatSize(s.Size), s.Key)
	}
	prog.done()
	if tbl != nil {
		tbl.flush()
	}
	fmt.Fprintf(w, "%s in the store\n", plural(n, "step record"))
	return nil
}

// showRunJSON prints {"runs": [...], "steps": [...]}, streaming the steps.
func showRunJSON(c *cmdEnv, runs []results.Run, steps func(func(results.Step, error) bool), prog *progress) error {
	rb, err := json.MarshalIndent(runs, "  ", "  ")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c.stdout, "{\n  \"runs\": %s,\n  \"steps\": ", rb); err != nil {
		return err
	}
	arr := &jsonArray{w: c.stdout, indent: "  ", compact: true}
	for s, err := range steps {
		if err != nil {
			return err
		}
		if err := arr.add(s); err != nil {
			return err
		}
	}
	prog.done()
	if err := arr.end(); err != nil {
		return err
	}
	_, err = io.WriteString(c.stdout, "\n}\n")
	return err
}
