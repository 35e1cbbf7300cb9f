package main

// resultgen results ls.

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsLsUsage = `Usage:
  resultgen results ls [-storage SPEC] [-prefix P] [-task NAME] [-flow-run ID] [-all] [-summary] [-format table|json]

ls lists one row per object: key, task, Go type, serializer (or "literal"),
OBJECT SIZE (the record's bytes in the store: header, payload and trailer),
created, expires ("never", "EXPIRED" or the time) and the package of the
function that wrote it. Objects that are not resultgen records show as "not a
record". It reads record headers and trailers, never a payload.

-all also lists the store's own files (local: temporary files of writes, left
behind when a writer is killed, and lock files), marked "(temporary)" or
"(lock)", with their age and whether they are in use or stale. -task NAME
lists the records of one task or flow. -flow-run ID lists only the records of
flow run ID (label flow_run_id): its tasks' results and, for a named run
(runtime.RunID), the run's own result at .runs/FLOW/ID. -summary prints one
row per task instead: records, OBJECT SIZE (summed, as in ls) and last use (a
hit refreshes a record's last use at most once an hour), largest first, and
the total. -format json prints each object's fields, the payload size
("size") beside the object's ("object_size").

Exits 1 when an object is a damaged or unreadable record (resultgen results
verify tells more).
` + storageHelp + `
Examples:
  resultgen results ls
  resultgen results ls -storage s3/prod -task load-rows -format json
  resultgen results ls -task example.com/app/durable.Step
  resultgen results ls -flow-run order-42
  resultgen results ls -summary
`

func resultsList(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	prefix := fs.String("prefix", "", "only keys starting with `P`")
	task := fs.String("task", "", "only records of the task or flow `NAME` (Step, durable.Step or example.com/app/durable.Step)")
	flowRun := fs.String("flow-run", "", "only records of the flow run `ID`")
	format := fs.String("format", "table", "output `format`: table or json")
	all := fs.Bool("all", false, "also list the store's own temporary and lock files")
	summary := fs.Bool("summary", false, "one row per task: records, object size, last use")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("takes no arguments, got %q (filter keys with -prefix)", pos)
	}
	if err := cmp.Or(checkFormat(*format, []string{"table", "json"}), checkPrefix(*prefix)); err != nil {
		return err
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	var entries []results.Entry
	for e, err := range results.List(c.ctx, st, results.ListOptions{Prefix: *prefix, Task: *task, FlowRun: *flowRun}) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		entries = append(entries, e)
	}
	if *task != "" {
		var fns []string
		for _, e := range entries {
			fns = append(fns, e.Meta.Func)
		}
		if err := results.CheckName(*task, fns, "-task"); err != nil {
			return usageError{err}
		}
	}
	if *summary {
		return printSummary(c.stdout, results.Summarize(entries), *format)
	}
	if *all {
		for e, err := range results.ListTemps(c.ctx, st) {
			if err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
			entries = append(entries, e)
		}
	}
	if *format == "json" {
		if entries == nil {
			entries = []results.Entry{}
		}
		if err := writeJSON(c.stdout, entries); err != nil {
			return err
		}
		if n := countDamaged(entries); n > 0 {
			return fmt.Errorf("%s damaged or unreadable; check with resultgen results verify", plural(n, "object"))
		}
		return nil
	}
	if len(entries) == 0 {
		what := "objects"
		if *task != "" {
			what = "records of task " + strconv.Quote(*task)
		}
		if *flowRun != "" {
			what = "records of flow run " + strconv.Quote(*flowRun)
			if *task != "" {
				what += " and task " + strconv.Quote(*task)
			}
		}
		fmt.Fprintf(c.stderr, "no %s in %s\n", what, st)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTASK\tTYPE\tSERIALIZER\tOBJECT SIZE\tCREATED\tEXPIRES\tPACKAGE")
	var damaged []results.Entry
	now := time.Now()
	for _, e := range entries {
		if t := e.Temp; t != nil {
			kind := "(temporary)"
			if t.Kind == storage.TempLock {
				kind = "(lock)"
			}
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\t%s\t%s\t-\n", e.Key, kind, results.FormatSize(e.ObjectSize),
				results.FormatTime(e.Modified), results.TempState(*t, now))
			continue
		}
		if e.Status != results.StatusRecord {
			size := results.FormatSize(e.ObjectSize)
			fmt.Fprintf(tw, "%s\t(%s)\t-\t-\t%s\t-\t-\t-\n", e.Key, e.Status, size)
			if e.Status != results.StatusNotRecord {
				damaged = append(damaged, e)
			}
			continue
		}
		m := e.Meta
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Key, dash(m.Task), dash(m.GoType),
			results.FormatSerializer(m), results.FormatSize(e.ObjectSize), results.FormatTime(m.Created), results.FormatExpires(m, e.Expired),
			dash(results.PackageOf(m)))
	}
	tw.Flush()
	for _, e := range damaged {
		c.logf("%s: %v", e.Key, e.Err)
	}
	if len(damaged) > 0 {
		return fmt.Errorf("%s damaged or unreadable; check with resultgen results verify", plural(len(damaged), "object"))
	}
	return nil
}

// countDamaged counts the entries that are damaged or unreadable records.
func countDamaged(entries []results.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Temp == nil && e.Status != results.StatusRecord && e.Status != results.StatusNotRecord {
			n++
		}
	}
	return n
}

func printSummary(w io.Writer, sum []results.TaskSummary, format string) error {
	if format == "json" {
		if sum == nil {
			sum = []results.TaskSummary{}
		}
		return writeJSON(w, sum)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tRECORDS\tOBJECT SIZE\tLAST USED\tPACKAGE")
	var n int
	var bytes int64
	for _, s := range sum {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", dash(s.Task), s.Records, results.FormatSize(s.Bytes), results.FormatTime(s.LastUsed), dash(s.Package))
		n += s.Records
		bytes += s.Bytes
	}
	fmt.Fprintf(tw, "(total)\t%d\t%s\t\t\n", n, results.FormatSize(bytes))
	tw.Flush()
	return nil
}
