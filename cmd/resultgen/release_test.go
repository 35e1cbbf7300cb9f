package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// releaseProgram is a program whose task stores an Order at a fixed key; the
// release differs in Order's fields.
const releaseProgram = `package main

import (
	"context"
	"fmt"

	"github.com/resultgen/resultgen/internal/typeid"
)

type Order struct {
	ID int
	FIELD float64
}

// Report computes order 7.
//
//result:task storage_key="orders/7"
func Report() Order { return Order{ID: 7, FIELD: VALUE} }

func main() {
	st := ReportTask.State(context.Background())
	v, err := st.Result()
	fmt.Printf("%s|%s|%+v|%v|%v\n", st.Name(), st.CacheReason(), v, err, reportTaskDef.TypeHash == typeid.Of[Order]().Hash())
}
`

// TestResultTypeChangeAcrossReleases: release 1 of a program stores a
// result; release 2 renamed a field of the result type and reads the same
// key in another process. It recomputes and replaces the record, never
// decoding the old one into the new type. The generated fingerprint equals
// the one reflect computes at run time.
func TestResultTypeChangeAcrossReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	t.Parallel()
	dir := tempPackage(t, "tmp-release-")
	home := t.TempDir()
	pkg := importPath(t, dir)
	var bin string // the program of the release written last

	release := func(field, value string) {
		t.Helper()
		src := strings.NewReplacer("FIELD", field, "VALUE", value).Replace(releaseProgram)
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runCLI(dir); code != 0 {
			t.Fatalf("generate: exit %d\n%s", code, stderr)
		}
		bin = buildProgram(t, dir, false)
	}
	runProgram := func() []string {
		t.Helper()
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = programEnv("RESULTGEN_HOME="+home, "RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(home, "storage"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		return strings.Split(strings.TrimSpace(string(out)), "|")
	}
	expect := func(got []string, state, reason, value string) {
		t.Helper()
		if len(got) != 5 || got[0] != state || !strings.HasPrefix(got[1], reason) || got[2] != value || got[3] != "<nil>" || got[4] != "true" {
			t.Errorf("got %q; want state %s, reason %q..., value %s, no error, generated fingerprint = reflect's", got, state, reason, value)
		}
	}

	release("Total", "9.5")
	expect(runProgram(), "Completed", "no record at the key", "{ID:7 Total:9.5}")
	expect(runProgram(), "Cached", "loaded the record", "{ID:7 Total:9.5}")

	release("Sum", "12")
	expect(runProgram(), "Completed", "result type changed: "+pkg+".Order is defined differently than when the record was written: field Sum added, field Total removed", "{ID:7 Sum:12}")
	expect(runProgram(), "Cached", "loaded the record", "{ID:7 Sum:12}")
}
