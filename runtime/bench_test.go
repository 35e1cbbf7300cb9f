package runtime_test

import (
	"context"
	"testing"

	"github.com/resultgen/resultgen/runtime"
)

// BenchmarkRun measures the engine's cost per run: an unpersisted task, a
// cache hit on memory storage and a persisted computation on local storage,
// each against calling the body directly.
func BenchmarkRun(b *testing.B) {
	body := func(context.Context) (int, error) { return 42, nil }
	cases := []struct {
		name string
		cfg  runtime.Config
	}{
		{"unpersisted", runtime.Config{}},
		{"cached-memory", runtime.Config{Storage: "memory", CacheKeyFn: true}},
		{"cached-local", runtime.Config{Storage: "local", CacheKeyFn: true}},
		{"persisted-local", runtime.Config{Persist: ptr(true), CachePolicy: "none"}},
	}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			body(context.Background())
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx, _, _ := newEngine(b, nil)
			inv := runtime.Invocation[int]{Def: taskDef("bench", true, c.cfg), Body: body}
			if c.cfg.CacheKeyFn {
				inv.CacheKey = func(context.Context) (string, error) { return "bench", nil }
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runtime.Run(ctx, inv).Result(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCall measures what a generated Call costs: an unpersisted task
// at the top level and inside a flow (runtime.Call builds no State there),
// and a persisted one (through Run).
func BenchmarkCall(b *testing.B) {
	body := func(context.Context) (int, error) { return 42, nil }
	for _, c := range []struct {
		name string
		cfg  runtime.Config
	}{
		{"unpersisted", runtime.Config{}},
		{"cached-memory", runtime.Config{Storage: "memory", CacheKeyFn: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx, _, _ := newEngine(b, nil)
			inv := runtime.Invocation[int]{Def: taskDef("bench", true, c.cfg), Body: body}
			if c.cfg.CacheKeyFn {
				inv.CacheKey = func(context.Context) (string, error) { return "bench", nil }
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runtime.Call(ctx, inv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("in-flow/1000-unpersisted", func(b *testing.B) {
		ctx, _, _ := newEngine(b, nil)
		inv := runtime.Invocation[int]{Def: taskDef("bench", true, runtime.Config{}), Body: body}
		flow := runtime.Invocation[int]{Def: &runtime.Def{Kind: runtime.KindFlow, Name: "bench-flow", Value: true},
			Body: func(ctx context.Context) (int, error) {
				for range 1000 {
					if _, err := runtime.Call(ctx, inv); err != nil {
						return 0, err
					}
				}
				return 1, nil
			}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := runtime.Call(ctx, flow); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCommitExplain measures a commit (a miss: compute and persist a
// new record) with explain off and on, and by default (neither set) with a
// logger that takes no DEBUG records, where a miss costs one Enabled call
// more than off. On, a miss also reads the task's index object and the
// commit writes it (one small Get and one Put more).
func BenchmarkCommitExplain(b *testing.B) {
	for _, store := range []string{"memory", "local"} {
		for _, explain := range []string{"off", "on", "default"} {
			b.Run(store+"/explain="+explain, func(b *testing.B) {
				var opts []runtime.EngineOption
				if explain != "default" {
					opts = append(opts, runtime.WithExplain(explain == "on"))
				}
				ctx, _, _ := newEngine(b, nil, opts...)
				def := sumDef("sha256:a", "aaaaaaaaaaaa", "int")
				def.Config.Storage = store
				n := 0
				b.ReportAllocs()
				for b.Loop() {
					n++ // a new key each time: every run is a miss and a commit
					if _, err := runSum(ctx, def, n).Result(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
