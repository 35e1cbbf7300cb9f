package reliability

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
)

// staleDefault is -stale's value in make test; make reliability passes more.
const staleDefault = 3

var staleEdits = flag.Int("stale", staleDefault, "source edits made without go generate, per class (code, directive, keep, type); above 3 the known gaps are listed too")

// staleFigures are TestStaleGeneratedCode's counts: the edits made, by
// class, and the two figures that must be 0.
var staleFigures struct {
	code, directive, keep, types atomic.Int64
	// served counts runs of stale generated code that served a record
	// (Cached, or a value decoded into a changed type) or changed the store.
	served atomic.Int64
	// falseStale counts edits that change no code (comments, blank lines,
	// layout, moves, code no task reaches) after which the cache was lost,
	// the package was reported stale, `resultgen check` failed, or
	// result_gen.go changed when generated again.
	falseStale atomic.Int64
	// gaps counts edits that change no code but that the generated code
	// sees today (mutations.gaps); not a failure, listed in the log.
	gaps atomic.Int64
}

// staleSummary is the stale-code line of the suite's summary.
func staleSummary() string {
	f := &staleFigures
	return fmt.Sprintf("reliability: stale-code edits without go generate: code=%d directive=%d keep=%d type=%d; stale-served=%d false-stale=%d (known gaps: %d)\n",
		f.code.Load(), f.directive.Load(), f.keep.Load(), f.types.Load(), f.served.Load(), f.falseStale.Load(), f.gaps.Load())
}

// taskLine is what the program printed for one task.
type taskLine struct {
	state, value, reason, err string
	stale, persisted, zero    bool
}

var taskLineRE = regexp.MustCompile(`(?m)^(\w+) state=(\w+) value=(.*) stale=(true|false) persisted=(true|false) zero=(true|false)$`)

// parseRun reads the program's lines by task.
func parseRun(out string) map[string]taskLine {
	tasks := map[string]taskLine{}
	for _, m := range taskLineRE.FindAllStringSubmatch(out, -1) {
		tasks[m[1]] = taskLine{state: m[2], value: m[3], stale: m[4] == "true", persisted: m[5] == "true", zero: m[6] == "true"}
	}
	for _, line := range strings.Split(out, "\n") {
		task, rest, _ := strings.Cut(line, " ")
		tl, ok := tasks[task]
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "reason: "):
			tl.reason = strings.TrimPrefix(rest, "reason: ")
		case strings.HasPrefix(rest, "error: "):
			tl.err = strings.TrimPrefix(rest, "error: ")
		}
		tasks[task] = tl
	}
	return tasks
}

// storeSnapshot lists every file under dir with its size, time and
// SHA-256.
func storeSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, fmt.Sprintf("%s %d %s %x", rel, fi.Size(), fi.ModTime(), sha256.Sum256(b)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestStaleGeneratedCode edits a program's sources as a user who forgets
// go generate would, and runs it after each edit: the binary built once
// (its source check reads the files on disk) for edits of code, and a
// binary built again for edits of types. The edits are derived from every
// declaration and directive the generated file's runtime.Package lists
// (makeMutations); -stale N of each class are made, picked at random, the
// files restored after each:
//
//   - code: each is reported once (WARN), every task computes its value,
//     and the store is untouched;
//   - directive: the same;
//   - keep (comments, blank lines, reformats, moves within a file, code no
//     task reaches): every task is Cached, nothing is reported stale,
//     `resultgen check` passes, and result_gen.go generated again is
//     byte-identical;
//   - type (a result type's field renamed, added or retyped, the parameter
//     struct changed; rebuilt, not regenerated): the task fails with
//     runtime.ErrStale and decodes nothing, the store is untouched; in a
//     development build the others compute (the source check sees the
//     edit), in a -trimpath build (a deployed binary: no source check;
//     every other edit is built so) they hit their unchanged records.
//
// A declaration moved to another file is a known gap, run once and logged
// (the "gaps" subtest is skipped while it remains), not counted: unit lines
// name the file, so result_gen.go changes and, until it is generated again,
// the package is reported stale (safe, but a false stale).
func TestStaleGeneratedCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	if *staleEdits <= 0 {
		t.Skip("-stale 0")
	}
	m := modtest.New(t, "example.com/staleapp", staleApp)
	m.Resultgen("./app")
	generated := m.Read("app/result_gen.go")
	decls, directives := packageUnits(generated)
	if len(decls) < 10 || len(directives) != len(staleTasks) {
		t.Fatalf("the generated package lists %d declarations and %d directives:\n%s", len(decls), len(directives), generated)
	}
	originals := map[string]string{}
	for name := range staleApp {
		originals[name] = m.Read(name)
	}
	muts, err := makeMutations(originals, decls, directives)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(mu mutation) {
		m.Write(mu.file, mu.src)
		if mu.other != "" {
			m.Write(mu.other, mu.otherSrc)
		}
	}
	restore := func() {
		for name, src := range originals {
			m.Write(name, src)
		}
		m.Write("app/result_gen.go", generated)
	}

	bin := m.Build("./app")
	store := t.TempDir()
	env := []string{"RESULTGEN_LOCAL_STORAGE_PATH=" + store, "RESULTGEN_LOGGING_LEVEL=WARNING", "RESULTGEN_HOME=" + t.TempDir()}
	run := func(t *testing.T, bin, step string) (map[string]taskLine, modtest.Output) {
		t.Helper()
		out := m.Run(bin, env...)
		tasks := parseRun(out.Stdout)
		if out.Exit != 0 || len(tasks) != len(staleTasks) {
			t.Fatalf("%s: exit %d\n%s%s", step, out.Exit, out.Stdout, out.Stderr)
		}
		return tasks, out
	}

	// Generated once, built once: the first run persists, the second hits.
	first, _ := run(t, bin, "first run")
	values := map[string]string{}
	for _, task := range staleTasks {
		tl := first[task]
		if !check(tl.state == "Completed" && tl.persisted) {
			t.Fatalf("first run: %s: %+v", task, tl)
		}
		values[task] = tl.value
	}
	second, _ := run(t, bin, "second run")
	for _, task := range staleTasks {
		if tl := second[task]; !check(tl.state == "Cached" && tl.value == values[task]) {
			t.Fatalf("second run: %s: %+v, want Cached %s", task, tl, values[task])
		}
	}

	// stale checks a run after an edit that makes the package stale;
	// failing is the task that must fail with ErrStale ("" for none). A
	// deployed binary (-trimpath) has no source check: only the failing
	// task's type check stands, and the other tasks hit their records,
	// whose code did not change.
	stale := func(t *testing.T, what, before string, tasks map[string]taskLine, out modtest.Output, failing string, deployed bool) {
		t.Helper()
		ok, served := true, false
		fail := func(format string, args ...any) {
			t.Helper()
			ok = false
			t.Errorf("%s: "+format, append([]any{what}, args...)...)
		}
		if n, want := strings.Count(out.Stderr, "generated code is stale"), map[bool]int{false: 1, true: 0}[deployed]; n != want {
			fail("reported stale %d times, want %d:\n%s", n, want, out.Stderr)
		}
		for _, task := range staleTasks {
			tl := tasks[task]
			switch {
			case task == failing:
				if tl.state == "Cached" || !tl.zero {
					served = true
				}
				if tl.state != "Failed" || !tl.stale || !tl.zero || tl.persisted || !strings.Contains(tl.err, "run go generate") {
					fail("%s: %+v, want Failed with ErrStale, a zero value, nothing persisted, and the fix", task, tl)
				}
			case deployed:
				if tl.state != "Cached" || tl.value != values[task] {
					fail("%s: %+v, want Cached %s: its code and types did not change", task, tl, values[task])
				}
			case tl.state == "Cached":
				served = true
				fail("%s was served from its record: %+v", task, tl)
			case tl.state != "Completed" || tl.persisted || !strings.Contains(tl.reason, "is stale") || tl.value != values[task]:
				fail("%s: %+v, want Completed %s, not persisted because the package is stale", task, tl, values[task])
			}
		}
		if after := storeSnapshot(t, store); after != before {
			served = true
			fail("the store changed:\nbefore\n%s\nafter\n%s", before, after)
		}
		if served {
			staleFigures.served.Add(1)
		}
		check(ok)
	}

	pick := func(ms []mutation) []mutation {
		mrand.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		return ms[:min(len(ms), *staleEdits)]
	}
	t.Logf("edits derived from %d declarations and %d directives: %d code, %d directive, %d keep, %d type, %d known gaps",
		len(decls), len(directives), len(muts.code), len(muts.directive), len(muts.keep), len(staleTypeEdits), len(muts.gaps))

	t.Run("code", func(t *testing.T) {
		for _, mu := range pick(muts.code) {
			before := storeSnapshot(t, store)
			apply(mu)
			tasks, out := run(t, bin, mu.what)
			stale(t, "code edit "+mu.what, before, tasks, out, "", false)
			staleFigures.code.Add(1)
			restore()
		}
	})
	t.Run("directive", func(t *testing.T) {
		for _, mu := range pick(muts.directive) {
			before := storeSnapshot(t, store)
			apply(mu)
			tasks, out := run(t, bin, mu.what)
			stale(t, mu.what, before, tasks, out, "", false)
			staleFigures.directive.Add(1)
			restore()
		}
	})
	// kept runs the program after an edit that changes no code and returns
	// what went wrong: the cache lost, the package reported stale, resultgen
	// check failing, result_gen.go generated again differing.
	kept := func(t *testing.T, mu mutation) []string {
		t.Helper()
		apply(mu)
		defer restore()
		tasks, out := run(t, bin, mu.what)
		var wrong []string
		if strings.Contains(out.Stderr, "stale") {
			what := out.Stderr
			if m := regexp.MustCompile(`changed="([^"]*)"`).FindStringSubmatch(out.Stderr); m != nil {
				what = m[1]
			}
			wrong = append(wrong, "reported stale: "+what)
		}
		var lost []string
		for _, task := range staleTasks {
			if tl := tasks[task]; tl.state != "Cached" || tl.value != values[task] {
				lost = append(lost, fmt.Sprintf("%s %s %s (%s)", task, tl.state, tl.value, tl.reason))
			}
		}
		if len(lost) > 0 {
			wrong = append(wrong, "not Cached: "+strings.Join(lost, "; "))
		}
		// check generates in memory and compares with the file, which is
		// the one generated before the edit: passing, generating again
		// would write the same bytes. Failing, generating again says how.
		if err := m.TryResultgen("check", "./app"); err != nil {
			wrong = append(wrong, "resultgen check failed: "+strings.Join(strings.Fields(err.Error()), " "))
			if err := m.TryResultgen("./app"); err != nil {
				wrong = append(wrong, fmt.Sprintf("resultgen: %v", err))
			} else if m.Read("app/result_gen.go") != generated {
				wrong = append(wrong, "result_gen.go changed when generated again")
			}
		}
		return wrong
	}
	t.Run("keep", func(t *testing.T) {
		for _, mu := range pick(muts.keep) {
			wrong := kept(t, mu)
			for _, w := range wrong {
				t.Errorf("%s: %s", mu.what, w)
			}
			if !check(len(wrong) == 0) {
				staleFigures.falseStale.Add(1)
			}
			staleFigures.keep.Add(1)
		}
	})
	// The gaps: moves the generated code sees today (a declaration moved to
	// another file). Logged, not counted; the subtest is skipped with the
	// list while any remains. It asserts nothing, so make test (-stale 3)
	// spares its two runs and checks; make reliability lists them.
	t.Run("gaps", func(t *testing.T) {
		if *staleEdits <= staleDefault {
			t.Skipf("the known gaps are listed with -stale above %d (make reliability)", staleDefault)
		}
		var seen []string
		var one []mutation
		for _, mu := range pick(muts.gaps) {
			if len(one) == 0 || strings.Contains(one[0].what, " to app/") != strings.Contains(mu.what, " to app/") {
				one = append(one, mu)
			}
		}
		for _, mu := range one[:min(len(one), 2)] {
			if wrong := kept(t, mu); len(wrong) > 0 {
				seen = append(seen, mu.what+":\n\t"+strings.Join(wrong, "\n\t"))
				staleFigures.gaps.Add(1)
			}
		}
		if len(seen) > 0 {
			t.Skipf("known gaps (issue 19, item 6), not counted:\n%s", strings.Join(seen, "\n"))
		}
	})
	t.Run("type", func(t *testing.T) {
		edits := append([]typeEdit(nil), staleTypeEdits...)
		mrand.Shuffle(len(edits), func(i, j int) { edits[i], edits[j] = edits[j], edits[i] })
		for i, te := range edits[:min(len(edits), *staleEdits)] {
			for _, e := range te.edits {
				m.Edit(e[0], e[1], e[2])
			}
			before := storeSnapshot(t, store)
			what, flags := "type edit "+te.what+", development build", []string(nil)
			if i%2 == 1 {
				what, flags = "type edit "+te.what+", -trimpath build", []string{"-trimpath"}
			}
			tasks, out := run(t, m.Build("./app", flags...), what)
			stale(t, what, before, tasks, out, te.task, flags != nil)
			staleFigures.types.Add(1)
			restore()
		}
	})

	// Restored, the first binary hits again: nothing above touched the
	// records.
	again, _ := run(t, bin, "restored")
	for _, task := range staleTasks {
		if tl := again[task]; !check(tl.state == "Cached" && tl.value == values[task]) {
			t.Errorf("restored: %s: %+v, want Cached %s", task, tl, values[task])
		}
	}
}
