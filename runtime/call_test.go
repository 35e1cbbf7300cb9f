package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/runtime"
)

// callWay runs an invocation and returns its value: through Run and the
// State, or through Call (which builds no State for unpersisted runs).
type callWay func(ctx context.Context, inv runtime.Invocation[int]) (int, error)

func viaRun(ctx context.Context, inv runtime.Invocation[int]) (int, error) {
	return runtime.Run(ctx, inv).Result()
}

func viaCall(ctx context.Context, inv runtime.Invocation[int]) (int, error) {
	return runtime.Call(ctx, inv)
}

// Call returns what Run(...).Result() returns and logs the same lines, for
// every kind of run: those for which Call builds no State (unpersisted,
// the value kept) and those it builds one for, as Run does.
func TestCallAgreesWithRun(t *testing.T) {
	seen := func(ctx context.Context) string {
		tr, ok := runtime.TaskRunFrom(ctx)
		fl, inFlow := runtime.FlowRunFrom(ctx)
		return fmt.Sprintf("task=%v:%s/%s#%d flow=%v:%s#%d", ok, tr.TaskName, tr.Name, tr.RunCount, inFlow, fl.FlowName, fl.RunCount)
	}
	type scenario func(ctx context.Context, call callWay, note func(string)) (int, error)
	scenarios := map[string]scenario{
		"value": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			return call(ctx, runtime.Invocation[int]{Def: taskDef("plain", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) { note(seen(ctx)); return 7, nil }})
		},
		"error": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			return call(ctx, runtime.Invocation[int]{Def: taskDef("bad", true, runtime.Config{}),
				Body: func(context.Context) (int, error) { return 3, errors.New("boom") }})
		},
		"panic": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			return call(ctx, runtime.Invocation[int]{Def: taskDef("panics", true, runtime.Config{}),
				Body: func(context.Context) (int, error) { panic("oops") }})
		},
		"no-def": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			return call(ctx, runtime.Invocation[int]{})
		},
		"retries": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			n := 0
			return call(ctx, runtime.Invocation[int]{Def: taskDef("flaky", true, runtime.Config{Retries: 2}),
				Body: func(ctx context.Context) (int, error) {
					note(seen(ctx))
					if n++; n < 3 {
						return 0, fmt.Errorf("attempt %d", n)
					}
					return n, nil
				}})
		},
		"options": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			inv := runtime.Invocation[int]{Def: taskDef("opts", true, runtime.Config{}),
				Options: []runtime.Option{runtime.Name("renamed"), runtime.Retries(1)},
				Body: func(ctx context.Context) (int, error) {
					note(seen(ctx))
					if tr, _ := runtime.TaskRunFrom(ctx); tr.RunCount == 1 {
						return 0, errors.New("first")
					}
					return 2, nil
				}}
			if _, err := call(ctx, inv); err != nil {
				return 0, err
			}
			return call(ctx, inv)
		},
		"cancelled": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return call(ctx, runtime.Invocation[int]{Def: taskDef("never", true, runtime.Config{}),
				Body: func(context.Context) (int, error) { return 1, nil }})
		},
		"kept-context": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			var kept context.Context
			v, err := call(ctx, runtime.Invocation[int]{Def: taskDef("keeps", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) { kept = ctx; return 1, nil }})
			note(seen(kept))
			return v, err
		},
		"no-context": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			// a body that never reads its context (Def.NoContext): Call
			// lends it a pooled one, which must not carry a run's number,
			// name or attempt into the next (the logs name each run)
			def := taskDef("bare", true, runtime.Config{Retries: 1})
			def.NoContext = true
			n, sum := 0, 0
			for range 4 {
				v, err := call(ctx, runtime.Invocation[int]{Def: def, Body: func(context.Context) (int, error) {
					if n++; n == 2 {
						return 0, errors.New("second attempt fails")
					}
					return n, nil
				}})
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		},
		"no-context-flow": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			def := taskDef("bare", true, runtime.Config{})
			def.NoContext = true
			task := runtime.Invocation[int]{Def: def, Body: func(context.Context) (int, error) { return 1, nil }}
			return call(ctx, runtime.Invocation[int]{Def: flowDef("outer", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) {
					a, err := call(ctx, task)
					if err != nil {
						return 0, err
					}
					b, err := call(ctx, task)
					return a + b, err
				}})
		},
		"not-in-memory": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			f := false
			return call(ctx, runtime.Invocation[int]{Def: taskDef("dropped", true, runtime.Config{Persist: &f, CacheInMemory: &f}),
				Body: func(context.Context) (int, error) { return 1, nil }})
		},
		"persisted": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			inv := runtime.Invocation[int]{Def: taskDef("kept", true, runtime.Config{Storage: "memory", CacheKeyFn: true}),
				CacheKey: func(context.Context) (string, error) { return "k", nil },
				Body:     func(context.Context) (int, error) { return 5, nil }}
			if _, err := call(ctx, inv); err != nil {
				return 0, err
			}
			return call(ctx, inv) // cached
		},
		"run-id-on-task": func(ctx context.Context, call callWay, _ func(string)) (int, error) {
			return call(ctx, runtime.Invocation[int]{Def: taskDef("named", true, runtime.Config{}),
				Options: []runtime.Option{runtime.RunID("r1")},
				Body:    func(context.Context) (int, error) { return 1, nil }})
		},
		"flow": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			task := runtime.Invocation[int]{Def: taskDef("inner", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) { note(seen(ctx)); return 1, nil }}
			return call(ctx, runtime.Invocation[int]{Def: flowDef("outer", true, runtime.Config{Retries: 1}),
				Body: func(ctx context.Context) (int, error) {
					sum := 0
					for range 3 {
						v, err := call(ctx, task) // persisted: the flow has retries
						if err != nil {
							return 0, err
						}
						sum += v
					}
					quiet := task
					quiet.Def = taskDef("quiet", true, runtime.Config{Persist: ptr(false)})
					v, err := call(ctx, quiet)
					return sum + v, err
				}})
		},
		"flow-unpersisted": func(ctx context.Context, call callWay, note func(string)) (int, error) {
			task := runtime.Invocation[int]{Def: taskDef("inner", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) { note(seen(ctx)); return 1, nil }}
			return call(ctx, runtime.Invocation[int]{Def: flowDef("outer", true, runtime.Config{}),
				Body: func(ctx context.Context) (int, error) {
					a, err := call(ctx, task)
					if err != nil {
						return 0, err
					}
					other := task
					other.Options = []runtime.Option{runtime.Name("other")}
					b, err := call(ctx, other)
					return a + b, err
				}})
		},
	}
	for name, sc := range scenarios {
		t.Run(name, func(t *testing.T) {
			outcome := func(call callWay) string {
				var logs syncBuffer
				h := slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: stableAttr})
				ctx, _, _ := newEngine(t, nil, runtime.WithLogger(slog.New(h)))
				var notes []string
				v, err := sc(ctx, call, func(s string) { notes = append(notes, s) })
				return fmt.Sprintf("value %d, error %v\nseen %q\nlogs:\n%s", v, err, notes, logs.String())
			}
			run, fast := outcome(viaRun), outcome(viaCall)
			if run != fast {
				t.Errorf("Run:\n%s\nCall:\n%s", run, fast)
			}
		})
	}
}

// stableAttr drops what differs from run to run in a log line: the time,
// run ids and the random part of flow run names.
func stableAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.TimeKey, "run_id", "location":
		return slog.Attr{}
	case "run", "flow", "computed":
		if before, _, ok := strings.Cut(a.Value.String(), "/"); ok {
			return slog.String(a.Key, before)
		}
	}
	return a
}

// A task that persists nothing costs Call one allocation (the body's
// context), outside flows and in them; none when its body takes no
// context (Def.NoContext, as the generator emits for such a function).
func TestCallUnpersistedAllocations(t *testing.T) {
	t.Run("no-context", func(t *testing.T) {
		ctx, _, _ := newEngine(t, nil)
		def := taskDef("bare", true, runtime.Config{})
		def.NoContext = true
		inv := runtime.Invocation[int]{Def: def, Body: func(context.Context) (int, error) { return 1, nil }}
		if n := testing.AllocsPerRun(100, func() { _, _ = runtime.Call(ctx, inv) }); n > 0 {
			t.Errorf("Call of an unpersisted task without a context: %v allocations, want 0", n)
		}
	})
	ctx, _, _ := newEngine(t, nil)
	inv := runtime.Invocation[int]{Def: taskDef("cheap", true, runtime.Config{}),
		Body: func(context.Context) (int, error) { return 1, nil }}
	if n := testing.AllocsPerRun(100, func() { _, _ = runtime.Call(ctx, inv) }); n > 1 {
		t.Errorf("Call of an unpersisted task: %v allocations, want <= 1", n)
	}
	var inFlow float64
	flow := runtime.Invocation[int]{Def: flowDef("f", true, runtime.Config{}), Body: func(ctx context.Context) (int, error) {
		inFlow = testing.AllocsPerRun(100, func() { _, _ = runtime.Call(ctx, inv) })
		return 1, nil
	}}
	if _, err := runtime.Call(ctx, flow); err != nil {
		t.Fatal(err)
	}
	if inFlow > 1 {
		t.Errorf("Call of an unpersisted task in a flow: %v allocations, want <= 1", inFlow)
	}
}

// A task run's ID and Name are made once, however many goroutines ask for
// them first through a context the body kept.
func TestTaskRunIDsMadeOnce(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	var kept context.Context
	if _, err := runtime.Call(ctx, runtime.Invocation[int]{Def: taskDef("ids", true, runtime.Config{}),
		Body: func(ctx context.Context) (int, error) { kept = ctx; return 1, nil }}); err != nil {
		t.Fatal(err)
	}
	infos := make([]runtime.TaskRunInfo, 8)
	var wg sync.WaitGroup
	for i := range infos {
		wg.Go(func() { infos[i], _ = runtime.TaskRunFrom(kept) })
	}
	wg.Wait()
	for _, info := range infos {
		if info != infos[0] || info.ID == "" || info.Name != "ids-1" || info.RunCount != 1 {
			t.Fatalf("task run infos differ or are incomplete: %+v", infos)
		}
	}
}
