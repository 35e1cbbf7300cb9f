package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime/settings"
)

// explainMain is a program whose task Total calls normalize, which calls
// scale (clean.go): a helper two calls deep.
const explainMain = `package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// Total sums n scaled values.
//
//result:task cache_policy=inputs+task_source
func Total(n int) int {
	t := 0
	for i := 0; i < n; i++ {
		t += normalize(i)
	}
	return t
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	st := TotalTask.State(context.Background(), n)
	v, err := st.Result()
	fmt.Printf("%s|%s|%s|%d|%v\n", st.Name(), st.CacheReason(), st.Key(), v, err)
}
`

const explainClean = `package main

func normalize(v int) int {
	return scale(v) + 1
}

// scale is two calls below Total.
func scale(v int) int {
	return v * FACTOR
}
`

// TestExplainHelperChange: with RESULTGEN_EXPLAIN_MISSES, a change in a
// helper two calls below a task gives a miss whose explanation names that
// helper and its file:line; results show, diff, prune -stale and rm -task
// see the same records.
func TestExplainHelperChange(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	t.Parallel()
	dir := tempPackage(t, "tmp-explain-")
	storeDir := filepath.Join(t.TempDir(), "storage")
	env := programEnv(settings.Home+"="+t.TempDir(), settings.LocalStoragePath+"="+storeDir, settings.ExplainMisses+"=true")
	store := "local:" + storeDir
	rel := moduleRel(t, dir)
	var bin string // the program of the code written last

	write := func(factor string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(explainMain), 0o644); err != nil {
			t.Fatal(err)
		}
		src := strings.ReplaceAll(explainClean, "FACTOR", factor)
		if err := os.WriteFile(filepath.Join(dir, "clean.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runCLI(dir); code != 0 {
			t.Fatalf("generate: exit %d\n%s", code, stderr)
		}
		bin = buildProgram(t, dir, false)
	}
	runProgram := func(n string) (state, reason, key string) {
		t.Helper()
		cmd := exec.Command(bin, n)
		cmd.Dir = dir
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go run: %v\n%s%s", err, out, stderr.String())
		}
		f := strings.Split(strings.TrimSpace(string(out)), "|")
		if len(f) != 5 || f[4] != "<nil>" {
			t.Fatalf("output %q", out)
		}
		t.Logf("run %s: %s: %s", n, f[0], f[1])
		return f[0], f[1], f[2]
	}

	write("2")
	state, reason, key1 := runProgram("3")
	if state != "Completed" || reason != "no record at the key; no earlier record of Total to compare with" {
		t.Errorf("first run: %s, %q", state, reason)
	}
	if state, reason, _ := runProgram("3"); state != "Cached" {
		t.Errorf("second run: %s, %q", state, reason)
	}

	write("3") // change scale only
	state, reason, key2 := runProgram("3")
	want := fmt.Sprintf("code changed: func scale (%s/clean.go)", rel)
	if state != "Completed" || !strings.Contains(reason, want) || strings.Contains(reason, "normalize") || strings.Contains(reason, "parameter") {
		t.Errorf("after changing scale: %s, %q; want it to name only %q", state, reason, want)
	}
	if key2 == key1 {
		t.Errorf("the key did not change with the code")
	}

	state, reason, _ = runProgram("4")
	if state != "Completed" || !strings.HasSuffix(reason, "): parameter n changed") {
		t.Errorf("after changing n: %s, %q", state, reason)
	}

	// show prints the manifest; diff prints the same comparison
	code, out, errOut := runCLI("results", "show", "-storage", store, key2)
	if code != 0 || !regexp.MustCompile(`(?m)^\s+parameter n:\s+[0-9a-f]{16}$`).MatchString(out) ||
		!strings.Contains(out, "policy:") || !strings.Contains(out, "covers:") || !strings.Contains(out, "func scale ") {
		t.Errorf("show: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "diff", "-storage", store, key1, key2)
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("diff: exit %d\n%s%s", code, out, errOut)
	}

	// prune -stale: the record of the old code can no longer come up
	code, out, errOut = runCLI("results", "prune", "-storage", store, "-stale", "-dry-run", dir)
	if code != 0 || !strings.Contains(out, "would remove "+key1+" (stale: code changed") || strings.Contains(out, key2) {
		t.Errorf("prune -stale -dry-run: exit %d\n%s%s", code, out, errOut)
	}
	// rm -task: every record of the task
	code, out, errOut = runCLI("results", "rm", "-storage", store, "-task", "Total", "-dry-run")
	if code != 0 || strings.Count(out, "would remove ") != 3 {
		t.Errorf("rm -task -dry-run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "prune", "-storage", store, "-stale", dir)
	if code != 0 || !strings.Contains(out, "removed "+key1) {
		t.Errorf("prune -stale: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI("results", "rm", "-storage", store, "-task", "Total")
	if code != 0 || strings.Count(out, "removed ") != 2 {
		t.Errorf("rm -task: exit %d\n%s%s", code, out, errOut)
	}
	if ents, _ := os.ReadDir(filepath.Join(storeDir, ".index")); len(ents) != 0 {
		t.Errorf("rm -task left the task index: %v", ents)
	}
}
