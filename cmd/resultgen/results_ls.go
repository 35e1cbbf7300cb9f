package main

// resultgen results ls.

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
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

	prog := newProgress(c, !*summary)
	defer prog.done()
	looked := 0
	opts := results.ListOptions{Prefix: *prefix, Task: *task, FlowRun: *flowRun, Looked: func() {
		looked++
		prog.update(func() string { return fmt.Sprintf("ls: %d objects looked at", looked) })
	}}
	// The listing streams: rows are written as they come (see table),
	// -summary adds up per task, and nothing holds every entry.
	var (
		out     = newLister(c, *format, *summary)
		names   = nameSet{}
		damaged int
	)
	emit := func(e results.Entry) error {
		if *task != "" && e.Temp == nil {
			if err := names.add(*task, e.Meta.Func); err != nil {
				return usageError{err}
			}
		}
		if e.Temp == nil && e.Status != results.StatusRecord && e.Status != results.StatusNotRecord {
			damaged++
			c.logf("%s: %v", e.Key, e.Err)
		}
		return out.add(e)
	}
	for e, err := range results.List(c.ctx, st, opts) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		if err := emit(e); err != nil {
			return err
		}
	}
	if *all && !*summary {
		for e, err := range results.ListTemps(c.ctx, st) {
			if err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
			if err := emit(e); err != nil {
				return err
			}
		}
	}
	prog.done()
	if err := out.end(); err != nil {
		return err
	}
	if out.n == 0 && *format != "json" && !*summary {
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
	if damaged > 0 {
		return fmt.Errorf("%s damaged or unreadable; check with resultgen results verify", plural(damaged, "object"))
	}
	return nil
}

// nameSet checks, as entries stream, that a -task name matches the
// functions of one package only (results.CheckName); it holds one entry per
// function.
type nameSet map[string]bool

func (s nameSet) add(name, fn string) error {
	if s[fn] {
		return nil
	}
	s[fn] = true
	fns := slices.Sorted(maps.Keys(s))
	return results.CheckName(name, fns, "-task")
}

// lister writes ls's output as entries come: a table or a JSON array, or,
// for -summary, one row per task at the end.
type lister struct {
	c      *cmdEnv
	format string
	tbl    *table
	sum    *results.Summary
	n      int // entries added
	now    time.Time
	json   *jsonArray // format json: the entries so far
}

func newLister(c *cmdEnv, format string, summary bool) *lister {
	l := &lister{c: c, format: format, now: time.Now(), json: &jsonArray{w: c.stdout}}
	if summary {
		l.sum = &results.Summary{}
	}
	return l
}

func (l *lister) add(e results.Entry) error {
	l.n++
	switch {
	case l.sum != nil:
		l.sum.Add(e)
		return nil
	case l.format == "json":
		return l.json.add(e)
	}
	if l.tbl == nil {
		l.tbl = newTable(l.c.stdout, "KEY", "TASK", "TYPE", "SERIALIZER", "OBJECT SIZE", "CREATED", "EXPIRES", "PACKAGE")
	}
	if t := e.Temp; t != nil {
		kind := "(temporary)"
		if t.Kind == storage.TempLock {
			kind = "(lock)"
		}
		l.tbl.row(e.Key, kind, "-", "-", results.FormatSize(e.ObjectSize), results.FormatTime(e.Modified), results.TempState(*t, l.now), "-")
		return nil
	}
	if e.Status != results.StatusRecord {
		l.tbl.row(e.Key, "("+string(e.Status)+")", "-", "-", results.FormatSize(e.ObjectSize), "-", "-", "-")
		return nil
	}
	m := e.Meta
	ser := results.FormatSerializer(m)
	if m.Encryption != nil {
		ser += " (encrypted, key " + m.Encryption.KeyID + ")"
	}
	l.tbl.row(e.Key, dash(m.Task), dash(m.GoType), ser, results.FormatSize(e.ObjectSize),
		results.FormatTime(m.Created), results.FormatExpires(m, e.Expired), dash(results.PackageOf(m)))
	return nil
}

// end finishes the output.
func (l *lister) end() error {
	switch {
	case l.sum != nil:
		return printSummary(l.c.stdout, l.sum.Tasks(), l.format)
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

func printSummary(w io.Writer, sum []results.TaskSummary, format string) error {
	if format == "json" {
		if sum == nil {
			sum = []results.TaskSummary{}
		}
		return writeJSON(w, sum)
	}
	t := newTable(w, "TASK", "RECORDS", "OBJECT SIZE", "LAST USED", "PACKAGE")
	var n int
	var bytes int64
	for _, s := range sum {
		t.row(dash(s.Task), strconv.Itoa(s.Records), results.FormatSize(s.Bytes), results.FormatTime(s.LastUsed), dash(s.Package))
		n += s.Records
		bytes += s.Bytes
	}
	t.row("(total)", strconv.Itoa(n), results.FormatSize(bytes), "", "")
	t.flush()
	return nil
}
