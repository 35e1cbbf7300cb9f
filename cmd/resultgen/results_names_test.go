package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Two programs sharing a store, each with a task Step (issue 22.3): a short
// name that matches both is refused, naming both and the fix; a qualified
// one, as records keep it or as package.Name, selects one program's
// records; ls shows each record's package.
func TestResultsQualifiedNames(t *testing.T) {
	st, _ := resultsHome(t)
	for _, k := range []string{"d1a", "d1b"} {
		put(t, st, k, record.Meta{Task: "Step", Func: "example.com/app/durable.Step"}, serializer.JSON(), 1)
	}
	put(t, st, "d2a", record.Meta{Task: "Step", Func: "example.com/app/durable2.Step"}, serializer.JSON(), 2)
	put(t, st, "load", record.Meta{Task: "load-rows", Func: "example.com/app/durable.LoadRows"}, serializer.JSON(), 3)
	put(t, st, "flowres", record.Meta{Task: "ETL", Func: "example.com/app/durable.ETL", Labels: map[string]string{"flow_run_id": "r1", "flow_run_name": "brave-otter"}}, serializer.JSON(), 4)
	put(t, st, "flowtask", record.Meta{Task: "load-rows", Func: "example.com/app/durable.LoadRows", Labels: map[string]string{"flow_run_id": "r1", "task_run_id": "t1", "flow_name": "ETL"}}, serializer.JSON(), 5)

	ambiguous := []string{`ambiguous name: "Step" names the functions of 2 packages`, "example.com/app/durable.Step", "example.com/app/durable2.Step", "use the qualified name, such as -task example.com/app/durable.Step"}
	for _, args := range [][]string{
		{"ls", "-task", "Step"},
		{"rm", "-task", "Step", "-dry-run"},
		{"rm", "-task", "Step"},
		{"prune", "-task", "Step", "-dry-run"},
	} {
		code, out, errs := call("results", args...)
		if code != exitUsage || out != "" {
			t.Errorf("%q: exit %d, want 2 and nothing done\n%s%s", args, code, out, errs)
		}
		for _, w := range ambiguous {
			if !strings.Contains(errs, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, w, errs)
			}
		}
	}
	for _, k := range []string{"d1a", "d1b", "d2a"} {
		if _, err := st.Stat(context.Background(), k); err != nil {
			t.Fatalf("an ambiguous name removed %s: %v", k, err)
		}
	}

	for _, tt := range []struct {
		args []string
		want []string // keys listed
	}{
		{[]string{"ls", "-task", "example.com/app/durable.Step"}, []string{"d1a", "d1b"}},
		{[]string{"ls", "-task", "durable2.Step"}, []string{"d2a"}},
		{[]string{"ls", "-task", "load-rows"}, []string{"flowtask", "load"}},
		{[]string{"ls", "-task", "example.com/app/durable.LoadRows"}, []string{"flowtask", "load"}},
		{[]string{"ls", "-task", "example.com/app/durable.load-rows"}, []string{"flowtask", "load"}},
		{[]string{"ls", "-task", "example.com/app/durable3.Step"}, nil},
	} {
		code, out, errs := call("results", tt.args...)
		var got []string
		if out != "" {
			for k := range tableRows(t, out) {
				got = append(got, k)
			}
		}
		if code != exitOK || fmt.Sprint(slices.Sorted(slices.Values(got))) != fmt.Sprint(tt.want) {
			t.Errorf("%q: exit %d, listed %q, want %q\n%s%s", tt.args, code, got, tt.want, out, errs)
		}
	}
	code, out, _ := call("results", "ls")
	if rows := tableRows(t, out); code != exitOK || rows["d2a"][7] != "example.com/app/durable2" || rows["d1a"][7] != "example.com/app/durable" {
		t.Errorf("ls does not show the package:\n%s", out)
	}
	code, out, _ = call("results", "ls", "-summary")
	if code != exitOK || !strings.Contains(out, "example.com/app/durable2") || strings.Count(out, "Step ") != 2 {
		t.Errorf("ls -summary merges the two programs' Step:\n%s", out)
	}

	// the qualified name removes one program's records only
	code, out, errs := call("results", "rm", "-task", "example.com/app/durable.Step")
	if code != exitOK || strings.Count(out, "removed ") != 2 {
		t.Errorf("rm -task qualified: exit %d\n%s%s", code, out, errs)
	}
	if _, err := st.Stat(context.Background(), "d2a"); err != nil {
		t.Errorf("rm -task example.com/app/durable.Step removed durable2's record: %v", err)
	}
	// -flow by qualified name: the flow's result and its tasks' records
	code, out, errs = call("results", "rm", "-flow", "example.com/app/durable.ETL", "-dry-run")
	if code != exitOK || !strings.Contains(out, "would remove flowres") || !strings.Contains(out, "would remove flowtask") || strings.Contains(out, "would remove load ") {
		t.Errorf("rm -flow qualified: exit %d\n%s%s", code, out, errs)
	}
}

// prune -runs-older-than removes the records a task wrote for one flow run
// (the default cache policy has run_id) once the run is over, and nothing
// else: not records keyed without run_id, not those of a named run that has
// not finished (it resumes from them), not a file resultgen did not write.
func TestResultsPruneRuns(t *testing.T) {
	st, dir := resultsHome(t)
	s, err := settings.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	persist := true
	step := &runtime.Def{Kind: runtime.KindTask, Name: "step", Func: "example.com/app.Step", GoType: "int", Value: true,
		Config: runtime.Config{Persist: &persist}} // the default policy: inputs+task_source+run_id
	keep := &runtime.Def{Kind: runtime.KindTask, Name: "keep", Func: "example.com/app.Keep", GoType: "int", Value: true,
		Config: runtime.Config{Persist: &persist, CachePolicy: "inputs"}}
	flow := &runtime.Def{Kind: runtime.KindFlow, Name: "etl", Func: "example.com/app.ETL", GoType: "int", Value: true}
	runFlow := func(crash error, opts ...runtime.Option) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{Def: flow, Options: opts, Body: func(ctx context.Context) (int, error) {
			a, err := runtime.Run(ctx, runtime.Invocation[int]{Def: step, Body: func(context.Context) (int, error) { return 1, nil }}).Result()
			if err != nil {
				return 0, err
			}
			b, err := runtime.Run(ctx, runtime.Invocation[int]{Def: keep, Body: func(context.Context) (int, error) { return 2, nil }}).Result()
			if err != nil {
				return 0, err
			}
			return a + b, crash
		}})
	}
	for _, st := range []*runtime.State[int]{runFlow(nil), runFlow(nil), runFlow(nil, runtime.RunID("order-1"))} {
		if st.Err() != nil {
			t.Fatal(st.Err())
		}
	}
	if st := runFlow(errors.New("crash"), runtime.RunID("order-2")); !st.IsFailed() {
		t.Fatalf("the crashing run: %v", st)
	}
	writeRaw(t, dir, "mine.txt", []byte("not a record"))

	// which records are which
	var runScoped, others []string
	var unfinished string
	for e, err := range listAll(st) {
		if err != nil {
			t.Fatal(err)
		}
		m, err := record.ReadMeta(context.Background(), st, e)
		if err != nil {
			continue
		}
		switch {
		case m.Task == "step" && m.Labels["flow_run_name"] == "order-2":
			unfinished = e
		case m.Task == "step":
			runScoped = append(runScoped, e)
		default:
			others = append(others, e)
		}
	}
	if len(runScoped) != 3 || unfinished == "" {
		t.Fatalf("want 3 run-scoped records of finished runs and one of the unfinished run, got %q and %q", runScoped, unfinished)
	}

	code, out, errs := call("results", "prune", "-runs-older-than", "1000h", "-dry-run")
	if code != exitOK || strings.Contains(out, "would remove") {
		t.Errorf("prune -runs-older-than 1000h: exit %d, want nothing selected\n%s%s", code, out, errs)
	}
	code, out, errs = call("results", "prune", "-runs-older-than", "1ns", "-dry-run")
	if code != exitOK || strings.Count(out, "would remove ") != 3 || !strings.Contains(out, "run-scoped (cache_policy inputs+run_id+task_source)") {
		t.Errorf("prune -runs-older-than -dry-run: exit %d\n%s%s", code, out, errs)
	}
	for _, k := range runScoped {
		if !strings.Contains(out, "would remove "+k+" ") {
			t.Errorf("dry run does not name %s", k)
		}
	}
	code, out, errs = call("results", "prune", "-runs-older-than", "1ns")
	if code != exitOK || strings.Count(out, "removed ") != 3 {
		t.Errorf("prune -runs-older-than: exit %d\n%s%s", code, out, errs)
	}
	gone := func(k string) bool {
		_, err := st.Stat(context.Background(), k)
		return errors.Is(err, storage.ErrNotFound)
	}
	for _, k := range runScoped {
		if !gone(k) {
			t.Errorf("%s (run-scoped, run finished) is still there", k)
		}
	}
	for _, k := range append(others, unfinished, "mine.txt") {
		if gone(k) {
			t.Errorf("%s was removed", k)
		}
	}
	if code, _, errs := call("results", "prune", "-runs-older-than", "0s"); code != exitUsage {
		t.Errorf("-runs-older-than 0s: exit %d %s", code, errs)
	}
	if code, _, errs := call("results", "prune", "-runs-older-than", "1h", "-max-size", "1GB"); code != exitUsage {
		t.Errorf("-runs-older-than with -max-size: exit %d %s", code, errs)
	}
}

// listAll yields the keys of st's records.
func listAll(st storage.Storage) func(func(string, error) bool) {
	return func(yield func(string, error) bool) {
		for info, err := range st.List(context.Background(), "") {
			if !yield(info.Key, err) {
				return
			}
		}
	}
}
