// Package examples_test builds every example program and runs it against a
// fresh, temporary resultgen home, checking what a user would see: the
// output and the records left in storage. The tests run in parallel: each
// has its own temporary home, storage, working folder and (for S3) bucket.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
)

// build compiles ./examples/<name> into a temp dir and returns the binary.
func build(t *testing.T, name string) string {
	t.Helper()
	bin, err := modtest.Executable(".", "./"+name, t.TempDir())
	if err != nil {
		t.Fatalf("./examples/%s: %v", name, err)
	}
	return bin
}

type env struct {
	home    string // RESULTGEN_HOME
	storage string // RESULTGEN_LOCAL_STORAGE_PATH
	dir     string // working directory of the run
}

func newEnv(t *testing.T) env {
	root := t.TempDir()
	e := env{home: filepath.Join(root, "home"), storage: filepath.Join(root, "storage"), dir: filepath.Join(root, "work")}
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return e
}

// run executes bin in e and returns its standard output.
func (e env) run(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(),
		"RESULTGEN_HOME="+e.home,
		"RESULTGEN_LOCAL_STORAGE_PATH="+e.storage,
		"RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=",
		"RESULTGEN_DEFAULT_RESULT_STORAGE=",
		"RESULTGEN_RESULTS_DEFAULT_SERIALIZER=",
		"RESULTGEN_TASKS_REFRESH_CACHE=",
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), err, out, stderr.String())
	}
	return string(out)
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func mustMatch(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", p, out)
		}
	}
}

func TestQuickstart(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "quickstart"), newEnv(t)
	first := e.run(t, bin)
	mustMatch(t, first,
		`(?m)^Completed\s+"hello world"\s+-> .*hello-world\.json$`,
		`(?m)^Completed\s+"hello foo"\s+-> .*hello-foo\.json$`,
		`(?m)^Completed\s+"hello bar"\s+-> .*hello-bar\.json$`)
	for _, name := range []string{"hello-world.json", "hello-foo.json", "hello-bar.json"} {
		if _, err := os.Stat(filepath.Join(e.storage, name)); err != nil {
			t.Errorf("record %s not in the local storage: %v", name, err)
		}
	}
	second := e.run(t, bin)
	mustMatch(t, second, `(?m)^Cached\s+"hello world"`, `(?m)^Cached\s+"hello foo"`, `(?m)^Cached\s+"hello bar"`)
	mustContain(t, second, "flow greet returned 3 greetings")
}

func TestFlowRunKeys(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "flowrunkeys"), newEnv(t)
	e.run(t, bin)
	e.run(t, bin)
	matches, _ := filepath.Glob(filepath.Join(e.storage, "greetings_*-*_hello.json"))
	if len(matches) != 2 {
		t.Fatalf("want one record per flow run (2), got %v", matches)
	}
}

func TestMapped(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "mapped"), newEnv(t)
	first := e.run(t, bin)
	mustMatch(t, first,
		`(?m)^Completed\s+part 0: 6 words -> .*/eu-west/\d{4}-\d\d-\d\d/part-0\.json$`,
		`(?m)^Completed\s+part 1: 7 words -> .*/part-1\.json$`,
		`(?m)^Completed\s+part 2: 5 words -> .*/part-2\.json$`)
	mustContain(t, first, "flow ingest counted 18 words")
	matches, _ := filepath.Glob(filepath.Join(e.storage, "eu-west", "*", "part-*.json"))
	if len(matches) != 3 {
		t.Fatalf("want one record per line (3) under eu-west/DAY/, got %v", matches)
	}
	// a second run loads the parts (unless the day changed in between:
	// the key holds the day the flow run started)
	second := e.run(t, bin)
	day := filepath.Base(filepath.Dir(matches[0]))
	if strings.Contains(second, "/"+day+"/") {
		mustMatch(t, second, `(?m)^Cached\s+part 0: 6 words`, `(?m)^Cached\s+part 2: 5 words`)
	}
}

func TestQuiz(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "quiz"), newEnv(t)
	out := e.run(t, bin)
	mustMatch(t, out,
		`(?m)^Q1 Say in persisting\s+persisted \(inherited from flow persisting \(persist=true\)\) -> .*quiz-results`,
		`(?m)^Q2 SayUnpersisted in persisting\s+not persisted \(persist=false \(always wins\)\)`,
		`(?m)^Q3 Say in retrying\s+persisted \(flow retrying has retries=2 and the task returns a value\)`,
		`(?m)^Q3 Log in retrying\s+not persisted`,
		`(?m)^Q1 persisting's own result\s+persisted`,
		`(?m)^Q3 retrying's own result\s+not persisted`,
		// Q4: the flow names a storage: its tasks inherit persistence
		// (extract_user too, as the newest seed says), except the one
		// with persist=false; the flow's own result is persisted.
		`(?m)^Q4 ExtractUser in club\s+persisted \(inherited from flow club \(storage=local:quiz-dev\)\) -> .*quiz-dev`,
		`(?m)^Q4 ExtractNumber in club\s+persisted \(inherited from flow club \(storage=local:quiz-dev\)\) -> .*quiz-dev`,
		`(?m)^Q4 Transform in club\s+not persisted \(persist=false \(always wins\)\)`,
		`(?m)^Q4 club's own result\s+persisted \(inferred from storage\) -> .*quiz-dev`)
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "quiz-results")); len(entries) < 2 {
		t.Errorf("want the task's and the flow's records in ./quiz-results, got %d entries", len(entries))
	}
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "quiz-dev")); len(entries) != 3 {
		t.Errorf("want the two extract tasks' and the flow's records in ./quiz-dev, got %d entries", len(entries))
	}
}

func TestCaching(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "caching"), newEnv(t)
	out := e.run(t, bin)
	mustMatch(t, out,
		`(?m)^first call\s+Completed\s+.*report-eu$`,
		`(?m)^again, verbose\s+Cached\s+.*report-eu$`,
		`(?m)^after expiration\s+Completed`,
		`(?m)^refresh_cache\s+Completed`)
	mustContain(t, out, "Report ran 3 times")
}

func TestBigData(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "bigdata"), newEnv(t)
	out := e.run(t, bin)
	mustMatch(t, out, `(?m)^Samples: Completed, kept only in storage: `, `(?m)^Scratch: unavailable=true`, `(?m)^mean of 2000000 samples: 0\.[45]\d\d$`)
}

func TestCompressed(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "compressed"), newEnv(t)
	out := e.run(t, bin)
	mustContain(t, out, "read back 5000 rows, last row-4999 with tags alpha,beta")
	sizes := map[string]int64{}
	for _, name := range []string{"table.json", "table.json.zst", "table.msgpack.gz", "table.gob.zlib"} {
		fi, err := os.Stat(filepath.Join(e.storage, name))
		if err != nil {
			t.Fatalf("record %s: %v", name, err)
		}
		sizes[name] = fi.Size()
	}
	for _, c := range []string{"table.json.zst", "table.msgpack.gz", "table.gob.zlib"} {
		if sizes[c] >= sizes["table.json"]/2 {
			t.Errorf("%s is %d bytes, want well under plain JSON's %d", c, sizes[c], sizes["table.json"])
		}
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "failures"), newEnv(t)
	out := e.run(t, bin)
	mustContain(t, out,
		"call:   the task failed with ErrNoInput",
		"state:  Failed, falling back to 1",
		"future: Failed, panic=true",
		"flow handle returned 42")
}

func TestCustomStore(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "customstore"), newEnv(t)
	mustMatch(t, e.run(t, bin), `(?m)^Completed\s+"hello world" -> .*team-a/hello-world\.json$`)
	mustMatch(t, e.run(t, bin), `(?m)^Cached\s+"hello world" -> .*team-a/hello-world\.json$`)
	if _, err := os.Stat(filepath.Join(e.storage, "team-a", "hello-world.json")); err != nil {
		t.Errorf("the record is not under the prefix: %v", err)
	}
}

func TestCustomSerializer(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "customserializer"), newEnv(t)
	mustMatch(t, e.run(t, bin), `(?m)^Completed\s+2 rows -> .*report-2026-01-02\.csv$`)
	mustMatch(t, e.run(t, bin), `(?m)^Cached\s+2 rows -> .*report-2026-01-02\.csv$`)
	b, err := os.ReadFile(filepath.Join(e.storage, "report-2026-01-02.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "name,count\nsignups 2026-01-02,12\n\"orders, paid\",3\n") {
		t.Errorf("the record's payload is not the CSV table:\n%q", b)
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "transactions"), newEnv(t)
	out := e.run(t, bin)
	// B-2's rollback hooks ran newest first, with the tasks' values
	mustContain(t, out, "  commit: mail the receipt of A-1 (2500 cents)\n  Committed (3 records staged)\n",
		"  charge 1800 cents for B-2\n  rollback: refund 1800 cents of B-2\n  rollback: release teapot of B-2\n  RolledBack (2 records staged): no shipping address\n",
		"order A-1:\n  Skipped (0 records staged)\n")
	var got []string
	err := filepath.WalkDir(e.storage, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.storage, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".txn/keys/orders/A-1", "orders/A-1/charge.json", "orders/A-1/reservation.json", "orders/A-1/shipment.json"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files in storage:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
