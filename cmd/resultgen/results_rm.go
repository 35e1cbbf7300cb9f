package main

// resultgen results rm.

import (
	"errors"
	"fmt"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsRmUsage = `Usage:
  resultgen results rm [-storage SPEC] [-force] KEY [KEY ...]
  resultgen results rm [-storage SPEC] (-task NAME | -flow NAME | -flow-run ID) [-dry-run]

rm removes the named records; nothing is removed when a key is invalid,
missing or not a record (-force removes such objects too). -task NAME removes
every record of the task (or flow) NAME, -flow NAME those of the flow NAME
and of the tasks its runs ran (a flow run name such as brave-otter selects
one run), with the tasks' index objects; -flow-run ID every record of flow
run ID (what ls -flow-run ID lists), so a named run starts over on its next
call (do not forget a run while a process runs it); -dry-run lists what would
be removed.
` + storageHelp + `
Examples:
  resultgen results rm reports/2026/q1.msgpack
  resultgen results rm -task example.com/app/durable.Step -dry-run
  resultgen results rm -flow etl -dry-run
  resultgen results rm -flow-run order-42
`

func resultsRemove(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	force := fs.Bool("force", false, "also remove objects that are not resultgen records")
	flowRun := fs.String("flow-run", "", "remove every record of the flow run `ID`")
	task := fs.String("task", "", "remove every record of the task or flow `NAME` (Step, durable.Step or example.com/app/durable.Step)")
	flow := fs.String("flow", "", "remove the records of the flow `NAME` (or flow run) and of its tasks")
	dryRun := fs.Bool("dry-run", false, "with -task, -flow or -flow-run: print what would be removed; remove nothing")
	keys, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if *flowRun != "" {
		if len(keys) > 0 || *force || *task != "" || *flow != "" {
			return usagef("-flow-run takes no KEY, -task, -flow or -force")
		}
		return removeFlowRun(c, *spec, *flowRun, *dryRun)
	}
	if *task != "" || *flow != "" {
		if len(keys) > 0 || *force {
			return usagef("give KEYs, or -task / -flow, not both (and -force only with KEYs)")
		}
		return removeSelected(c, *spec, results.Criteria{Task: *task, Flow: *flow}, *dryRun)
	}
	if *dryRun {
		return usagef("-dry-run goes with -task, -flow or -flow-run")
	}
	if len(keys) == 0 {
		return usagef("no KEY given (see resultgen results -h)")
	}
	if err := invalidKeys(keys...); err != nil {
		return usageError{errors.Join(err, errors.New("nothing removed"))}
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	removed, err := results.Remove(c.ctx, st, keys, results.RemoveOptions{Force: *force})
	for _, k := range removed {
		fmt.Fprintf(c.stdout, "removed %s\n", storage.Location(st, k))
	}
	if err != nil && len(removed) == 0 {
		return fmt.Errorf("%w\nnothing removed", err)
	}
	return err
}

// removeFlowRun removes the records of flow run id: "results rm -flow-run".
func removeFlowRun(c *cmdEnv, spec, id string, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	var keys []string // one run's records
	prog := newProgress(c, false)
	looked := 0
	opts := results.ListOptions{FlowRun: id, Looked: func() {
		looked++
		prog.update(func() string { return fmt.Sprintf("%s: %d objects looked at", c.name, looked) })
	}}
	for e, err := range results.List(c.ctx, st, opts) {
		if err != nil {
			prog.done()
			return fmt.Errorf("%s: %w", st, err)
		}
		keys = append(keys, e.Key)
	}
	prog.done()
	if len(keys) == 0 {
		fmt.Fprintf(c.stderr, "no records of flow run %q in %s\n", id, st)
		return nil
	}
	if dryRun {
		for _, k := range keys {
			fmt.Fprintf(c.stdout, "would remove %s\n", storage.Location(st, k))
		}
		return nil
	}
	removed, err := results.Remove(c.ctx, st, keys, results.RemoveOptions{})
	for _, k := range removed {
		fmt.Fprintf(c.stdout, "removed %s\n", storage.Location(st, k))
	}
	return err
}

// removeSelected is "rm -task NAME" and "rm -flow NAME".
func removeSelected(c *cmdEnv, spec string, crit results.Criteria, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	if err := checkNames(c, st, crit); err != nil {
		return err
	}
	p := newPruning(c, st, dryRun, "remove", "removed", "from")
	var fns []string
	drain(p, results.Prune(c.ctx, st, crit, p.opts()), prunedErr, func(r results.Pruned) {
		p.n++
		fns = append(fns, r.Meta.Func)
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	if !dryRun && p.ok && p.failed == 0 && crit.Task != "" {
		// nothing of the task is left: its index goes too
		if err := results.RemoveIndexes(c.ctx, st, fns); err != nil {
			c.logf("task index: %v", err)
		}
	}
	return p.summary(plural(p.n, "record"), "", "record")
}
