package runtime_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

const helperEnv = "RESULTGEN_TEST_HELPER_DIR"

// TestSerializableAcrossProcesses starts several copies of the test binary
// that run one serializable task on the same local storage at once: the body
// runs in one process only, the others load its result.
func TestSerializableAcrossProcesses(t *testing.T) {
	if dir := os.Getenv(helperEnv); dir != "" {
		t.Skip("helper process")
	}
	dir := t.TempDir()
	const procs = 4
	var wg sync.WaitGroup
	outs := make([]string, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSerializable$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir)
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil || !strings.Contains(outs[i], "RESULT=") {
			t.Fatalf("helper %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "computed"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "x"); n != 1 {
		t.Errorf("the body ran %d times across %d processes, want once", n, procs)
	}
	for i := range procs {
		if !strings.Contains(outs[i], "RESULT=42") {
			t.Errorf("helper %d did not get 42:\n%s", i, outs[i])
		}
	}
}

// TestHelperSerializable is the helper process's body.
func TestHelperSerializable(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("run by TestSerializableAcrossProcesses")
	}
	ctx, _, _ := newEngine(t, map[string]string{"RESULTGEN_LOCAL_STORAGE_PATH": filepath.Join(dir, "storage")})
	def := &runtime.Def{Kind: runtime.KindTask, Name: "shared", Func: "example.com/app.Shared", GoType: "int", Value: true,
		Config: runtime.Config{StorageKey: "shared.msgpack", Isolation: runtime.Serializable}}
	st := runtime.Run(ctx, runtime.Invocation[int]{
		Def:        def,
		StorageKey: func(runtime.KeyContext) (string, error) { return "shared.msgpack", nil },
		Body: func(context.Context) (int, error) {
			f, err := os.OpenFile(filepath.Join(dir, "computed"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			if _, err := f.WriteString("x"); err != nil {
				return 0, err
			}
			time.Sleep(50 * time.Millisecond) // hold the key while the others start
			return 42, nil
		},
	})
	v, err := st.Result()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("RESULT=" + strconv.Itoa(v) + " " + st.Name())
}
