package durabletest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
	"github.com/resultgen/resultgen/runtime"
)

// v2Edits turn testdata/report/main.go (version 1) into version 2: the
// flow's code changes (it runs one more step), and so does Label's; Square
// stays the same.
var v2Edits = [][2]string{
	{"for i := range n {", "for i := range n + 1 {"},
	{`return fmt.Sprintf("%s %d", title, i)`, `return fmt.Sprintf("%s #%d", title, i)`},
}

// Versions is the program of testdata/report built as two versions of one
// package in a fresh module, as a user would: write the code, run
// resultgen, build; change the code, run resultgen again, build again. The
// zero value is ready to use; Close removes the builds.
type Versions struct {
	once              sync.Once
	dir               string
	v1, v2, resultgen string
	err               error
}

// Paths builds the two versions and the resultgen command, once, and
// returns their paths.
func (vs *Versions) Paths(t testing.TB) (v1, v2, resultgen string) {
	t.Helper()
	vs.once.Do(func() { vs.err = vs.build() })
	if vs.err != nil {
		t.Fatal(vs.err)
	}
	return vs.v1, vs.v2, vs.resultgen
}

// Close removes the builds.
func (vs *Versions) Close() error {
	if vs.dir == "" {
		return nil
	}
	return os.RemoveAll(vs.dir)
}

func (vs *Versions) build() error {
	repo, err := modtest.Repo()
	if err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(repo, "internal", "durabletest", "testdata", "report", "main.go"))
	if err != nil {
		return err
	}
	if vs.dir, err = os.MkdirTemp("", "durable-versions-"); err != nil {
		return err
	}
	mod := filepath.Join(vs.dir, "module")
	if err := modtest.FreshModule(repo, mod, "example.com/versions"); err != nil {
		return err
	}
	run := func(dir string, args ...string) error { return modtest.Command(dir, args[0], args[1:]...) }
	if vs.resultgen, err = modtest.Executable(repo, "./cmd/resultgen", vs.dir); err != nil {
		return err
	}
	v2 := src
	for _, e := range v2Edits {
		if bytes.Count(v2, []byte(e[0])) != 1 {
			return fmt.Errorf("testdata/report/main.go: %q is not there once; update durabletest's v2Edits", e[0])
		}
		v2 = bytes.Replace(v2, []byte(e[0]), []byte(e[1]), 1)
	}
	pkg := filepath.Join(mod, "report")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	for _, v := range []struct {
		src []byte
		bin *string
		out string
	}{{src, &vs.v1, "report-v1"}, {v2, &vs.v2, "report-v2"}} {
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), v.src, 0o644); err != nil {
			return err
		}
		if err := run(mod, vs.resultgen, "./report"); err != nil {
			return err
		}
		// -trimpath: the builds stand for two deployed binaries; version
		// 1 runs after the sources became version 2, which its stale-code
		// check would otherwise see (runtime.Package). It also makes each
		// version the same program in every test run, whatever the
		// temporary module's folder: go run's cache keeps it, and a
		// warm run links neither.
		tmp := filepath.Join(vs.dir, v.out)
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return err
		}
		if *v.bin, err = modtest.Executable(mod, "./report", tmp, "-trimpath"); err != nil {
			return err
		}
	}
	return nil
}

var reportFinal = regexp.MustCompile(`^flow state=(\w+) resumed=(\d+) code=(\S*) result="(.*)"$`)

// Report is what one run of the report program printed.
type Report struct {
	Tasks          []string // "square 3", "label 3": the task bodies that ran, in order
	State          string   // "" when the run failed
	Resumed        int
	Code           string // the code version that produced the result
	Result         string
	Exit           int // the exit code; -1 when killed
	Stdout, Stderr string
}

// RunReport runs the report program bin with args in env.
func RunReport(t testing.TB, bin string, env []string, args ...string) Report {
	t.Helper()
	out, err := modtest.Exec("", env, bin, args...)
	if err != nil {
		t.Fatalf("report %v: %v", args, err)
	}
	r := Report{Stdout: out.Stdout, Stderr: out.Stderr, Exit: out.Exit}
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if v, ok := strings.CutPrefix(l, "task "); ok {
			r.Tasks = append(r.Tasks, strings.Replace(v, " i=", " ", 1))
		} else if m := reportFinal.FindStringSubmatch(l); m != nil {
			r.State, r.Code, r.Result = m[1], m[3], m[4]
			r.Resumed, _ = strconv.Atoi(m[2])
		}
	}
	return r
}

// steps lists the task bodies of steps from to to-1, in the flow's order.
func steps(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprint("square ", i), fmt.Sprint("label ", i))
	}
	return out
}

// CodeChange runs the code-change scenarios of named runs on the store
// that env names (DURABLE_STORAGE, spec for `resultgen results show
// -storage`), each in processes of its own:
//
//   - a run of version 1 killed before step 3 of 5, resumed by version 2
//     (the flow and Label changed), fails with ErrRunCodeChanged, naming
//     both code versions and the fixes, and runs no task;
//   - resumed by version 2 with -across (runtime.ResumeAcrossVersions),
//     only the changed steps run: Label 0-2 (its code changed; its storage
//     key does not say so), then steps 3 to 5; Square 0-2 are reused;
//   - the finished run is then returned by id, reporting version 2's code
//     on its State and in `resultgen results show`;
//   - a finished run of version 1 is returned by version 2 as it is,
//     reporting version 1's code;
//   - a run killed and resumed under unchanged code resumes as before.
func CodeChange(t *testing.T, vs *Versions, env []string, spec string) {
	t.Helper()
	v1, v2, resultgen := vs.Paths(t)
	mustState := func(r Report, what, state string) {
		t.Helper()
		if r.State != state {
			t.Fatalf("%s: state %q (exit %d); want %s\nstdout:\n%s\nstderr:\n%s", what, r.State, r.Exit, state, r.Stdout, r.Stderr)
		}
	}

	// Version 1's code version, from a finished run.
	whole := RunReport(t, v1, env, "order-9", "5")
	mustState(whole, "version 1", runtime.StateCompleted)
	codeV1 := whole.Code

	killed := RunReport(t, v1, append(env[:len(env):len(env)], "REPORT_DIE_AT=3"), "order-7", "5")
	if killed.Exit != -1 || !slices.Equal(killed.Tasks, steps(0, 3)) {
		t.Fatalf("the run killed before step 3: exit %d, ran %v; want killed after %v\nstderr:\n%s", killed.Exit, killed.Tasks, steps(0, 3), killed.Stderr)
	}

	changed := RunReport(t, v2, env, "order-7", "5")
	if changed.Exit != 3 || len(changed.Tasks) != 0 {
		t.Fatalf("resumed by version 2: exit %d, ran %v; want exit 3 (ErrRunCodeChanged) and nothing run\nstderr:\n%s", changed.Exit, changed.Tasks, changed.Stderr)
	}
	short := func(code string) string { return strings.TrimPrefix(code, "sha256:")[:12] }
	for _, want := range []string{runtime.ErrRunCodeChanged.Error(), `run id "order-7" started`, "flow code version " + short(codeV1),
		"new id", "runtime.ResumeAcrossVersions()", "resultgen results rm -flow-run order-7"} {
		if !strings.Contains(changed.Stderr, want) {
			t.Errorf("resumed by version 2: the error does not say %q:\n%s", want, changed.Stderr)
		}
	}

	across := RunReport(t, v2, env, "-across", "order-7", "5")
	mustState(across, "resumed by version 2 across versions", runtime.StateCompleted)
	want := append([]string{"label 0", "label 1", "label 2"}, steps(3, 6)...)
	if !slices.Equal(across.Tasks, want) || across.Resumed != 3 {
		t.Fatalf("resumed by version 2 across versions: ran %v, resumed %d; want %v (Square 0-2 reused), 3", across.Tasks, across.Resumed, want)
	}
	codeV2 := across.Code
	if codeV2 == "" || codeV2 == codeV1 || !strings.Contains(changed.Stderr, "is now "+short(codeV2)) {
		t.Fatalf("code versions: version 1 %q, version 2 %q; the error said:\n%s", codeV1, codeV2, changed.Stderr)
	}
	if wantResult := "item #0=0, item #1=1, item #2=4, item #3=9, item #4=16, item #5=25"; across.Result != wantResult {
		t.Fatalf("resumed across versions: %q; want %q", across.Result, wantResult)
	}

	again := RunReport(t, v2, env, "order-7", "5")
	mustState(again, "the finished run", runtime.StateCached)
	if again.Code != codeV2 || len(again.Tasks) != 0 || again.Result != across.Result {
		t.Fatalf("the finished run: code %q, ran %v, %q; want %q, nothing, %q", again.Code, again.Tasks, again.Result, codeV2, across.Result)
	}
	old := RunReport(t, v2, env, "order-9", "5")
	mustState(old, "version 1's finished run, under version 2", runtime.StateCached)
	if old.Code != codeV1 || len(old.Tasks) != 0 || old.Result != whole.Result {
		t.Fatalf("version 1's finished run under version 2: code %q, ran %v, %q; want %q, nothing, %q", old.Code, old.Tasks, old.Result, codeV1, whole.Result)
	}
	for key, code := range map[string]string{".runs/report/order-7": codeV2, ".runs/report/order-9": codeV1} {
		cmd := exec.Command(resultgen, "results", "show", "-storage", spec, key)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^code version: +`+code+`$`).Match(out) {
			t.Errorf("resultgen results show %s: %v; want the line \"code version: %s\"\n%s", key, err, code, out)
		}
	}

	// Unchanged code resumes as before.
	killed = RunReport(t, v2, append(env[:len(env):len(env)], "REPORT_DIE_AT=2"), "order-8", "5")
	if killed.Exit != -1 || !slices.Equal(killed.Tasks, steps(0, 2)) {
		t.Fatalf("version 2 killed before step 2: exit %d, ran %v", killed.Exit, killed.Tasks)
	}
	resumed := RunReport(t, v2, env, "order-8", "5")
	mustState(resumed, "resumed under the same code", runtime.StateCompleted)
	if !slices.Equal(resumed.Tasks, steps(2, 6)) || resumed.Resumed != 4 || resumed.Result != across.Result {
		t.Fatalf("resumed under the same code: ran %v, resumed %d, %q; want %v, 4, %q", resumed.Tasks, resumed.Resumed, resumed.Result, steps(2, 6), across.Result)
	}
}
