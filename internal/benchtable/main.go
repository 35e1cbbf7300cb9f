// Command benchtable runs resultgen's paired overhead benchmarks (issue 14:
// P1 engine overhead, P2 persist, P3 cache hits) and prints one table:
// each measure's baseline (the same work done by hand) and resultgen run
// alternately in this process, the medians, their ratio, resultgen's
// allocations per op, the goal and whether it is met. `make bench` runs it.
// It asserts nothing: a miss is reported, not failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

var reps = flag.Int("reps", 15, "paired repetitions per measure (medians are reported)")

type row struct {
	name, goal    string
	base, rg      float64 // median ns/op
	allocs        float64
	ratio         float64
	pass          bool
	baseIsAbsGoal bool
}

// timeit runs f n times and returns ns/op and allocations/op.
func timeit(n int, f func()) (float64, float64) {
	var a, b goruntime.MemStats
	goruntime.ReadMemStats(&a)
	t := time.Now()
	for range n {
		f()
	}
	d := time.Since(t)
	goruntime.ReadMemStats(&b)
	return float64(d.Nanoseconds()) / float64(n), float64(b.Mallocs-a.Mallocs) / float64(n)
}

// paired alternates baseline and resultgen batches and returns the medians.
func paired(n int, base, rg func()) (float64, float64, float64) {
	base()
	rg()
	var bs, rs, as []float64
	for range *reps {
		b, _ := timeit(n, base)
		r, a := timeit(n, rg)
		bs, rs, as = append(bs, b), append(rs, r), append(as, a)
	}
	return median(bs), median(rs), median(as)
}

func median(x []float64) float64 {
	slices.Sort(x)
	return x[len(x)/2]
}

func spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}

func def(name, goType string, cfg runtime.Config, kind runtime.Kind) *runtime.Def {
	return &runtime.Def{Kind: kind, Name: name, Func: "bench." + name, Pos: "bench.go:1",
		Source: "sha256:" + name, GoType: goType, Value: true, Config: cfg}
}

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: filepath.Join(dir, "storage")}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	var rows []row
	ratio := func(name, goal string, limit float64, n int, base, rg func()) {
		b, r, a := paired(n, base, rg)
		rows = append(rows, row{name: name, goal: goal, base: b, rg: r, allocs: a, ratio: r / b, pass: r/b <= limit})
	}

	// P1: an unpersisted task against calling its body, through
	// runtime.Call as a generated Call method runs it.
	ten := func(context.Context) (int, error) { spin(10 * time.Microsecond); return 1, nil }
	inv10 := runtime.Invocation[int]{Def: def("ten", "int", runtime.Config{}, runtime.KindTask), Body: ten}
	ratio("P1 unpersisted task, 10µs body", "<=1.03x", 1.03, 2000,
		func() { _, _ = ten(ctx) }, func() { _, _ = runtime.Call(ctx, inv10) })
	empty := func(context.Context) (int, error) { return 1, nil }
	inv0 := runtime.Invocation[int]{Def: def("empty", "int", runtime.Config{}, runtime.KindTask), Body: empty}
	b, r, a := paired(20000, func() { _, _ = empty(ctx) }, func() { _, _ = runtime.Call(ctx, inv0) })
	rows = append(rows, row{name: "P1 unpersisted task, empty body", goal: "<=150ns", base: b, rg: r, allocs: a, ratio: r / max(b, 1), pass: r <= 150, baseIsAbsGoal: true})
	flowInv := runtime.Invocation[int]{Def: def("flow", "int", runtime.Config{}, runtime.KindFlow), Body: func(ctx context.Context) (int, error) {
		for range 1000 {
			if _, err := runtime.Call(ctx, inv0); err != nil {
				return 0, err
			}
		}
		return 1, nil
	}}
	b, r, a = paired(20, func() {
		for range 1000 {
			_, _ = empty(ctx)
		}
	}, func() { _, _ = runtime.Call(ctx, flowInv) })
	rows = append(rows, row{name: "P1 flow of 1,000 unpersisted tasks", goal: "<=0.2ms", base: b, rg: r, allocs: a, ratio: r / max(b, 1), pass: r <= 200_000, baseIsAbsGoal: true})

	// P2: persist 1 KiB on local storage against marshal + temp + write +
	// fsync + rename + dir fsync.
	payload := strings.Repeat("x", 1024)
	bdir := filepath.Join(dir, "base")
	_ = os.MkdirAll(bdir, 0o755)
	persistInv := runtime.Invocation[string]{Def: def("persist", "string", runtime.Config{Storage: "local", CachePolicy: "none"}, runtime.KindTask),
		Body: func(context.Context) (string, error) { return payload, nil }}
	ratio("P2 persist 1 KiB, local", "<=1.10x", 1.10, 20, func() {
		data, _ := msgpack.Marshal(payload)
		f, err := os.CreateTemp(bdir, ".tmp-*")
		if err != nil {
			panic(err)
		}
		_, _ = f.Write(data)
		_ = f.Sync()
		_ = f.Close()
		_ = os.Rename(f.Name(), f.Name()+"-final")
		d, _ := os.Open(bdir)
		_ = d.Sync()
		_ = d.Close()
	}, func() {
		if _, err := runtime.Run(ctx, persistInv).Result(); err != nil {
			panic(err)
		}
	})

	// P3: a cache hit of 1 KiB against reading and decoding it by hand.
	data, _ := msgpack.Marshal(payload)
	bfile := filepath.Join(bdir, "hit")
	_ = os.WriteFile(bfile, data, 0o644)
	for _, store := range []string{"local", "memory"} {
		inv := runtime.Invocation[string]{Def: def("hit-"+store, "string", runtime.Config{Storage: store, CacheKeyFn: true}, runtime.KindTask),
			Body:     func(context.Context) (string, error) { return payload, nil },
			CacheKey: func(context.Context) (string, error) { return "hit-" + store, nil }}
		if _, err := runtime.Run(ctx, inv).Result(); err != nil {
			panic(err)
		}
		m := map[string][]byte{"k": data}
		base := func() {
			var v string
			_ = msgpack.Unmarshal(m["k"], &v)
		}
		if store == "local" {
			base = func() {
				b, _ := os.ReadFile(bfile)
				var v string
				_ = msgpack.Unmarshal(b, &v)
			}
		}
		ratio("P3 cache hit 1 KiB, "+store, "<=1.30x", 1.30, 2000, base, func() {
			if st := runtime.Run(ctx, inv); !st.IsCached() {
				panic("not a hit: " + st.CacheReason())
			}
		})
	}

	fmt.Printf("%-36s %12s %12s %8s %8s %8s %5s\n", "measure", "baseline", "resultgen", "ratio", "allocs", "goal", "")
	for _, r := range rows {
		verdict := "FAIL"
		if r.pass {
			verdict = "pass"
		}
		fmt.Printf("%-36s %12s %12s %7.2fx %8.0f %8s %5s\n", r.name, dur(r.base), dur(r.rg), r.ratio, r.allocs, r.goal, verdict)
	}
	fmt.Printf("(%s/%s, %d CPUs, %s; medians of %d paired repetitions; P4 and P5 not yet in this table)\n",
		goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU(), goruntime.Version(), *reps)
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	}
	return fmt.Sprintf("%.1fns", ns)
}
