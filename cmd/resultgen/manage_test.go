package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
)

// flowStore holds two runs of flow etl (its result and a task of each) and
// a task outside any flow.
func flowStore(t *testing.T) string {
	t.Helper()
	st, dir := resultsHome(t)
	now := time.Now().UTC()
	run := func(id, name string) map[string]string {
		return map[string]string{"flow_run_id": id, "flow_run_name": name, "flow_name": "etl"}
	}
	task := func(l map[string]string) map[string]string {
		l["task_run_id"], l["task_run_name"] = "t", "load-1"
		return l
	}
	put(t, st, "etl-result-1", record.Meta{Task: "etl", Func: "app.ETL", Created: now, Labels: run("1", "brave-otter")}, serializer.JSON(), 1)
	put(t, st, "load-1", record.Meta{Task: "load", Func: "app.Load", Created: now, Labels: task(run("1", "brave-otter"))}, serializer.JSON(), strings.Repeat("x", 3000))
	put(t, st, "load-2", record.Meta{Task: "load", Func: "app.Load", Created: now, Labels: task(run("2", "calm-lynx"))}, serializer.JSON(), strings.Repeat("y", 3000))
	put(t, st, "other", record.Meta{Task: "other", Func: "app.Other", Created: now}, serializer.JSON(), 3)
	return dir
}

func TestRemoveByFlow(t *testing.T) {
	dir := flowStore(t)
	code, out, errOut := runCLI("results", "rm", "-flow", "etl", "-dry-run")
	if code != 0 || strings.Count(out, "would remove") != 3 || strings.Contains(out, "other") {
		t.Errorf("rm -flow -dry-run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "rm", "-flow", "calm-lynx")
	if code != 0 || strings.TrimSpace(out) != "removed load-2 (of flow run calm-lynx)" {
		t.Errorf("rm -flow RUN: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "load-1")); err != nil {
		t.Errorf("rm -flow calm-lynx removed another run's record: %v", err)
	}
	if code, _, errOut := runCLI("results", "rm", "-task", "load", "KEY"); code != exitUsage {
		t.Errorf("rm -task with a KEY: exit %d\n%s", code, errOut)
	}
}

func TestSummaryAndMaxSize(t *testing.T) {
	dir := flowStore(t)
	// load-2 was used longest ago, then load-1
	for i, k := range []string{"load-2", "load-1", "etl-result-1", "other"} {
		at := time.Now().Add(time.Duration(i-10) * time.Hour)
		if err := os.Chtimes(filepath.Join(dir, k), at, at); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI("results", "ls", "-summary")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[1], "load ") || !strings.Contains(lines[1], " 2 ") || !strings.HasPrefix(lines[4], "(total)  4") {
		t.Errorf("ls -summary: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "prune", "-max-size", "5KiB", "-dry-run")
	if code != 0 || !strings.HasPrefix(out, "would remove load-2 (last used 10h") || strings.Count(out, "would remove") != 1 {
		t.Errorf("prune -max-size 5KiB -dry-run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "prune", "-max-size", "1kB")
	if code != 0 || strings.Count(out, "removed") != 2 || strings.Contains(out, "other") || strings.Contains(out, "etl") {
		t.Errorf("prune -max-size 1kB: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI("results", "prune", "-max-size", "lots"); code != exitUsage {
		t.Errorf("bad size: exit %d", code)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "2KiB": 2048, "1.5MB": 1500000, "1G": 1 << 30, "3 gib": 3 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "5 parsecs"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// TestHasTaskSource: prune -stale reads a record's policy with the policy
// parser, so a parameter named task_source left out of inputs is not taken
// for the task_source part.
func TestHasTaskSource(t *testing.T) {
	for policy, want := range map[string]bool{
		"inputs+task_source":             true,
		"inputs+run_id+task_source":      true,
		"inputs-task_source+run_id":      false,
		"inputs-task_source":             false,
		"inputs-task_source+task_source": true,
		"none":                           false,
		"":                               false,
	} {
		if got := hasTaskSource(policy); got != want {
			t.Errorf("hasTaskSource(%q) = %v, want %v", policy, got, want)
		}
	}
}
