package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// stamped is a result that carries the time it was computed at.
type stamped struct {
	Name string
	At   time.Time
}

// report is a pure result: a function of the task's inputs only.
type report struct {
	Name   string
	Totals map[string]int
	Lines  []string
}

// verifyEngine is newEngine with RESULTGEN_VERIFY_HITS=fraction ("" leaves
// it unset) and every log record, DEBUG included, written to logs.
func verifyEngine(t *testing.T, fraction string, logs *syncBuffer) (context.Context, string) {
	t.Helper()
	vars := map[string]string{}
	if fraction != "" {
		vars[settings.VerifyHits] = fraction
	}
	ctx, _, local := newEngine(t, vars, runtime.WithLogger(slog.New(debugText(logs))))
	return ctx, local
}

// clockTask is a task that reads the clock without keying on it: its
// record is at the storage key "stamp" of local storage.
func clockTask() task[stamped] {
	def := taskDef("stamp", true, runtime.Config{Storage: "local"})
	def.GoType = "example.com/app.stamped"
	var mu sync.Mutex
	var last time.Time
	tk := newTask(def, func(context.Context) (stamped, error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		for now.Equal(last) { // a coarse clock: wait for the next reading
			now = time.Now()
		}
		last = now
		return stamped{Name: "daily", At: now}, nil
	})
	tk.key = "stamp"
	return tk
}

// recordState is what a user checks to see that a record was not
// rewritten: its bytes and modification time.
type recordState struct {
	data []byte
	mod  time.Time
}

func readRecord(t *testing.T, path string) recordState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return recordState{data, fi.ModTime()}
}

// warnings returns the WARN lines in logs.
func warnings(logs *syncBuffer) []string {
	var out []string
	for _, l := range logLines(logs) {
		if strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	return out
}

// A task that reads time.Now without keying on it is reported: one WARN
// naming the task, its key and the field that differs. The cached value is
// returned and the record is left as it was.
func TestVerifyHitsReportsATaskReadingTheClock(t *testing.T) {
	logs := &syncBuffer{}
	ctx, local := verifyEngine(t, "1", logs)
	tk := clockTask()
	first, err := tk.Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(local, "stamp")
	before := readRecord(t, path)
	if w := warnings(logs); len(w) != 0 {
		t.Fatalf("a miss logged warnings: %q", w)
	}

	st := tk.State(ctx)
	got, err := st.Result()
	if err != nil || !st.IsCached() {
		t.Fatalf("second run: %v, %v; want Cached", st, err)
	}
	if !got.At.Equal(first.At) || got.Name != first.Name {
		t.Errorf("verified hit returned %+v, want the cached %+v", got, first)
	}
	if n := tk.calls.Load(); n != 2 {
		t.Errorf("body ran %d times, want 2 (the miss, then the verification)", n)
	}
	w := warnings(logs)
	if len(w) != 1 {
		t.Fatalf("want one WARN line, got %d:\n%s", len(w), logs)
	}
	for _, want := range []string{`msg="task stamp: verify: a recomputation differs from the cached value`, "key=stamp", "field=At", `difference="time.Time differs"`, "run=stamp-2"} {
		if !strings.Contains(w[0], want) {
			t.Errorf("WARN line lacks %q:\n%s", want, w[0])
		}
	}
	if after := readRecord(t, path); !bytes.Equal(after.data, before.data) || !after.mod.Equal(before.mod) {
		t.Errorf("the record was rewritten by a verified hit (modified %v -> %v)", before.mod, after.mod)
	}
	if got := files(t, local); len(got) != 1 || got[0] != "stamp" {
		t.Errorf("storage holds %q, want only the record", got)
	}
}

// A pure task is recomputed and found equal: nothing above DEBUG is
// logged. Maps are compared by value, so msgpack and gob, which write a
// map[string]int in random order, raise no false alarm.
func TestVerifyHitsSilentForAPureTask(t *testing.T) {
	for _, ser := range []string{"msgpack", "json", "gob", "compressed/msgpack"} {
		t.Run(ser, func(t *testing.T) {
			logs := &syncBuffer{}
			ctx, _ := verifyEngine(t, "1", logs)
			def := taskDef("report", true, runtime.Config{Storage: "local", Serializer: ser})
			def.GoType = "example.com/app.report"
			tk := newTask(def, func(context.Context) (report, error) {
				r := report{Name: "q1", Totals: map[string]int{}, Lines: []string{"a", "b"}}
				for i := range 50 {
					r.Totals["k"+strconv.Itoa(i)] = i
				}
				return r, nil
			})
			tk.key = "report"
			for range 3 {
				if _, err := tk.Call(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := tk.calls.Load(); n != 3 {
				t.Errorf("body ran %d times, want 3 (a miss, two verified hits)", n)
			}
			if w := warnings(logs); len(w) != 0 {
				t.Errorf("a pure task logged warnings:\n%s", strings.Join(w, "\n"))
			}
			if !strings.Contains(logs.String(), "task report: verify: a recomputation equals the cached value") {
				t.Errorf("no DEBUG line for the verified hits:\n%s", logs)
			}
		})
	}
}

// With the fraction 0, the default, a hit never runs the body; the
// VerifyHits option beats the setting both ways.
func TestVerifyHitsZeroNeverRecomputes(t *testing.T) {
	tests := []struct {
		name    string
		setting string
		opts    []runtime.Option
		calls   int64
	}{
		{"unset", "", nil, 1},
		{"setting 0", "0", nil, 1},
		{"option 0 beats setting 1", "1", []runtime.Option{runtime.VerifyHits(0)}, 1},
		{"option 1 beats setting 0", "0", []runtime.Option{runtime.VerifyHits(1)}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			ctx, _ := verifyEngine(t, tt.setting, logs)
			tk := clockTask().WithOptions(tt.opts...)
			for range 6 {
				if _, err := tk.Call(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := tk.calls.Load(); n != tt.calls {
				t.Errorf("body ran %d times in 6 runs, want %d", n, tt.calls)
			}
			if want := int(tt.calls - 1); len(warnings(logs)) != want {
				t.Errorf("%d WARN lines, want %d:\n%s", len(warnings(logs)), want, logs)
			}
		})
	}
}

// A fraction between 0 and 1 verifies some hits, drawn at random.
func TestVerifyHitsFraction(t *testing.T) {
	ctx, _ := verifyEngine(t, "0.5", &syncBuffer{})
	tk := clockTask()
	const runs = 200
	for range runs {
		if _, err := tk.Call(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// One miss, then each of 199 hits recomputed with probability 1/2:
	// neither none nor all (a chance of 2^-198 each).
	if n := tk.calls.Load(); n <= 1 || n >= runs {
		t.Errorf("body ran %d times in %d runs at fraction 0.5", n, runs)
	}
}

// A verification whose body fails or panics is a WARN; the run is still
// Cached with the stored value.
func TestVerifyHitsFailingRecomputation(t *testing.T) {
	errDown := errors.New("upstream down")
	for _, tt := range []struct {
		name string
		fail func() (int, error)
		want string
	}{
		{"error", func() (int, error) { return 0, errDown }, "error=\"upstream down\""},
		{"panic", func() (int, error) { panic("nil map") }, "error=\"panic: nil map\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			ctx, _ := verifyEngine(t, "1", logs)
			var tk task[int]
			tk = newTask(taskDef("flaky", true, runtime.Config{Storage: "memory"}), func(context.Context) (int, error) {
				if tk.calls.Load() == 1 {
					return 42, nil
				}
				return tt.fail()
			})
			tk.key = "flaky"
			if _, err := tk.Call(ctx); err != nil {
				t.Fatal(err)
			}
			st := tk.State(ctx)
			if v, err := st.Result(); err != nil || v != 42 || !st.IsCached() {
				t.Fatalf("hit with a failing verification: %v %v %v; want Cached 42", st, v, err)
			}
			w := warnings(logs)
			if len(w) != 1 || !strings.Contains(w[0], "task flaky: verify: the recomputation failed") ||
				!strings.Contains(w[0], "key=flaky") || !strings.Contains(w[0], tt.want) {
				t.Errorf("want one WARN naming the failure, got:\n%s", logs)
			}
		})
	}
}

// A fraction outside 0..1 fails the run with an error naming where it came
// from; the setting itself is checked when the settings load.
func TestVerifyHitsBadFraction(t *testing.T) {
	ctx, _ := verifyEngine(t, "", &syncBuffer{})
	tk := clockTask().WithOptions(runtime.VerifyHits(1.5))
	_, err := tk.Call(ctx)
	if !errors.Is(err, settings.ErrInvalidValue) || !strings.Contains(err.Error(), "stamp: runtime.VerifyHits(1.5): invalid value: above 1") {
		t.Errorf("VerifyHits(1.5): %v; want ErrInvalidValue naming the task and the option", err)
	}
	if tk.calls.Load() != 0 {
		t.Error("the body ran under a bad fraction")
	}

	e := runtime.NewEngine(settings.Settings{VerifyHits: -0.5}, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { e.Close() })
	_, err = clockTask().Call(runtime.WithEngine(context.Background(), e))
	if !errors.Is(err, settings.ErrInvalidValue) || !strings.Contains(err.Error(), "RESULTGEN_VERIFY_HITS=-0.5: invalid value: below 0") {
		t.Errorf("settings with VerifyHits -0.5: %v; want ErrInvalidValue naming the setting", err)
	}

	_, err = settings.LoadFrom(func(k string) (string, bool) {
		switch k {
		case settings.Home:
			return t.TempDir(), true
		case settings.VerifyHits:
			return "10%", true
		}
		return "", false
	})
	if !errors.Is(err, settings.ErrInvalidValue) || !strings.Contains(err.Error(), `RESULTGEN_VERIFY_HITS="10%": invalid value: not a number`) {
		t.Errorf("RESULTGEN_VERIFY_HITS=10%%: %v; want ErrInvalidValue naming the setting", err)
	}
}
