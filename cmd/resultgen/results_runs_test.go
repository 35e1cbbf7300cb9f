package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// runsRow finds run id's row in the table `results runs` printed and
// returns its cells split on runs of two spaces or more.
func runsRow(t *testing.T, out, id string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		cells := splitCells(l)
		if len(cells) > 1 && cells[1] == id {
			return cells
		}
	}
	t.Fatalf("no row of run %s in:\n%s", id, out)
	return nil
}

func splitCells(l string) []string {
	var cells []string
	for _, c := range strings.Split(l, "  ") {
		if c = strings.TrimSpace(c); c != "" {
			cells = append(cells, c)
		}
	}
	return cells
}

// TestResultsRunsAcrossProcesses runs the durable program (a named run of
// flow squares) in separate processes: one that finishes, and one that is
// listed while it runs and again once it is killed, then resumed; and a
// named run that fails in this process. `results runs` lists each in its
// status, with the process that ran it, and shows one with its steps.
func TestResultsRunsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	var prog durabletest.Program
	defer prog.Close()
	bin := prog.Path(t)
	_, dir := resultsHome(t)
	spec := "local:" + dir
	env := durabletest.Env(spec, "RESULTGEN_HOME="+t.TempDir(), "DURABLE_TASK_SLEEP=20ms")

	done := durabletest.Run(t, bin, durabletest.Env(spec, "RESULTGEN_HOME="+t.TempDir()), "done-1", "5")
	if done.State != "Completed" {
		t.Fatalf("run done-1: %+v", done)
	}

	// A holder that runs, then is killed.
	cmd := exec.Command(bin, "order-42", "1000")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	for seen := 0; seen < 5 && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "task i=") {
			seen++
		}
	}
	drained := make(chan struct{})
	go func() { io.Copy(io.Discard, stdout); close(drained) }()
	code, out, errOut := runCLI("results", "runs", "-storage", spec)
	if code != 0 {
		t.Fatalf("runs: exit %d\n%s%s", code, out, errOut)
	}
	if r := runsRow(t, out, "order-42"); r[0] != "squares" || r[2] != "Running" || !strings.HasSuffix(r[7], ":"+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("the running run's row: %q\n%s", r, out)
	}
	if r := runsRow(t, out, "done-1"); r[2] != "Completed" || r[6] != "5" || r[4] == "-" {
		t.Errorf("the finished run's row: %q\n%s", r, out)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-drained
	_ = cmd.Wait() // reaped: its pid is gone

	// A named run that fails, in this process, with a secret in its error.
	failFlow(t, spec)

	code, out, errOut = runCLI("results", "runs", "-storage", spec)
	if code != 0 {
		t.Fatalf("runs after the kill: exit %d\n%s%s", code, out, errOut)
	}
	if r := runsRow(t, out, "order-42"); r[2] != "Running (holder gone)" || r[4] != "-" {
		t.Errorf("the killed run's row: %q\n%s", r, out)
	}
	if !strings.Contains(errOut, "1 run's holder is gone: run the flow again with the same id to resume") {
		t.Errorf("no note about the killed holder on stderr: %q", errOut)
	}
	r := runsRow(t, out, "bad-1")
	if r[2] != "Failed" || r[6] != "1" || !strings.Contains(out, "s3://***@bucket") || strings.Contains(out, "TOPSECRET") {
		t.Errorf("the failed run's row: %q\n%s", r, out)
	}

	// Filters.
	code, out, _ = runCLI("results", "runs", "-storage", spec, "-status", "gone")
	if code != 0 || !strings.Contains(out, "order-42") || strings.Contains(out, "done-1") || strings.Contains(out, "bad-1") {
		t.Errorf("runs -status gone: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("results", "runs", "-storage", spec, "-flow", "ship", "-json")
	var runs []map[string]any
	if err := json.Unmarshal([]byte(out), &runs); code != 0 || err != nil || len(runs) != 1 || runs[0]["run_id"] != "bad-1" || runs[0]["status"] != "Failed" {
		t.Errorf("runs -flow ship -json: exit %d, %v\n%s", code, err, out)
	}
	code, out, errOut = runCLI("results", "runs", "-storage", spec, "-older-than", "1h")
	if code != 0 || strings.TrimSpace(out) != "" || !strings.Contains(errOut, "no named runs older than 1h0m0s in") {
		t.Errorf("runs -older-than 1h: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("results", "runs", "-storage", spec, "-status", "sleeping"); code != exitUsage || !strings.Contains(errOut, "want running, gone, completed or failed") {
		t.Errorf("runs -status sleeping: exit %d\n%s", code, errOut)
	}

	// One run with its steps: the killed run's, at least the 4 committed before the fifth task line (its record may not have been).
	code, out, errOut = runCLI("results", "runs", "-storage", spec, "order-42")
	if code != 0 || !strings.Contains(out, "status:        Running (holder gone)") || strings.Count(out, "\nSquare-") < 4 {
		t.Errorf("runs order-42: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("results", "runs", "-storage", spec, "nope"); code != exitProblems || !strings.Contains(errOut, `no named run "nope"`) {
		t.Errorf("runs nope: exit %d\n%s", code, errOut)
	}

	// Resumed in another process, it completes, with every step.
	if o := durabletest.Run(t, bin, durabletest.Env(spec, "RESULTGEN_HOME="+t.TempDir()), "order-42", "1000"); o.State != "Completed" || o.Resumed < 4 {
		t.Fatalf("resumed run: %+v", o)
	}
	code, out, _ = runCLI("results", "runs", "-storage", spec, "-flow", "squares")
	if r := runsRow(t, out, "order-42"); code != 0 || r[2] != "Completed" || r[6] != "1000" {
		t.Errorf("the resumed run's row: %q\n%s", r, out)
	}
}

// failFlow runs named run bad-1 of flow ship on spec: one step, then an
// error that names a store with its credentials.
func failFlow(t *testing.T, spec string) {
	t.Helper()
	s, err := settings.LoadFrom(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s)
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	step := &runtime.Def{Kind: runtime.KindTask, Name: "pack", Func: "example.com/app.Pack", Source: "sha256:pack", GoType: "int", Value: true}
	flow := &runtime.Def{Kind: runtime.KindFlow, Name: "ship", Func: "example.com/app.Ship", Source: "sha256:ship", GoType: "int", Value: true}
	st := runtime.Run(ctx, runtime.Invocation[int]{
		Def:     flow,
		Options: []runtime.Option{runtime.RunID("bad-1"), runtime.Storage(spec)},
		Body: func(ctx context.Context) (int, error) {
			if _, err := runtime.Run(ctx, runtime.Invocation[int]{Def: step, Body: func(context.Context) (int, error) { return 1, nil }}).Result(); err != nil {
				return 0, err
			}
			return 0, errors.New("upload to s3://AKIA:TOPSECRET@bucket/out failed")
		},
	})
	if !st.IsFailed() {
		t.Fatalf("flow ship: %v", st)
	}
}
