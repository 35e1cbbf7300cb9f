// Command benchtable runs resultgen's paired overhead benchmarks (issue 14:
// P1 engine overhead, P2 persist, P3 cache hits, P4 a 256 MiB []byte on
// local storage, P5 S3, P6 the generator, P7 the stale-code check) and
// prints one table: each measure's baseline (the same work done by hand, or
// the tool it is held against) and resultgen run alternately, the medians,
// their ratio, resultgen's allocations (or requests) per op, the goal and
// whether it is met. P1-P3 and P5 run in this process; P4 runs each operation in a fresh
// child process (to read its peak RSS); P6 runs the generator and `go vet`
// on a synthetic package; P7 builds a program from a generated package of
// 50 files and reads the stale-code check's duration from its DEBUG log
// (runtime.Package: once per package per process, goal 5 ms), against
// reading the same files. P5 needs the MinIO of scripts/with-minio.sh.
// `make bench` runs it. It asserts nothing: a miss is reported, not failed.
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

var (
	reps = flag.Int("reps", 15, "paired repetitions per measure (medians are reported)")
	only = flag.String("only", "", "comma-separated parts to run (P1-P3,P4,P5,P6,P7); all when empty")
)

// row is one line of the table. base and rg are what the columns show
// (a duration, a throughput, a size); ratio is resultgen over baseline in
// the unit the goal is stated in.
type row struct {
	name, goal string
	base, rg   string
	ratio      float64
	allocs     string // allocations or requests per op; "" when not measured
	pass       bool
}

// timed is a row of two median durations and resultgen's allocations.
func timed(name, goal string, base, rg, allocs float64, pass bool) row {
	return row{name: name, goal: goal, base: dur(base), rg: dur(rg), ratio: rg / max(base, 1),
		allocs: fmt.Sprintf("%.0f", allocs), pass: pass}
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
	return &runtime.Def{Kind: kind, Name: name, Func: "bench." + name,
		Source: "sha256:" + name, GoType: goType, Value: true, Config: cfg}
}

func main() {
	flag.Parse()
	if *child != "" {
		runChild(*child, *childDir)
		return
	}
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var rows []row
	var notes []string
	parts := []struct {
		name string
		run  func(dir string) ([]row, []string)
	}{{"P1-P3", engineRows}, {"P4", bigRows}, {"P5", s3Rows}, {"P6", generateRows}, {"P7", staleRows}}
	for _, part := range parts {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), part.name) {
			continue
		}
		r, n := part.run(dir)
		rows, notes = append(rows, r...), append(notes, n...)
	}
	fmt.Printf("%-40s %12s %12s %8s %10s %8s %5s\n", "measure", "baseline", "resultgen", "ratio", "allocs", "goal", "")
	for _, r := range rows {
		verdict := "FAIL"
		if r.pass {
			verdict = "pass"
		}
		ratio := "-"
		if r.ratio != 0 {
			ratio = fmt.Sprintf("%.2fx", r.ratio)
		}
		fmt.Printf("%-40s %12s %12s %8s %10s %8s %5s\n", r.name, r.base, r.rg, ratio, r.allocs, r.goal, verdict)
	}
	fmt.Printf("(%s/%s, %d CPUs, %s; medians of %d paired repetitions, %d for P4-P6)\n",
		goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU(), goruntime.Version(), *reps, *bigReps)
	for _, n := range notes {
		fmt.Println(n)
	}
}

// engineRows is P1-P3: the engine's overhead, persisting and cache hits
// of 1 KiB, measured in this process.
func engineRows(dir string) ([]row, []string) {
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
		rows = append(rows, timed(name, goal, b, r, a, r/b <= limit))
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
	rows = append(rows, timed("P1 unpersisted task, empty body", "<=150ns", b, r, a, r <= 150))
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
	rows = append(rows, timed("P1 flow of 1,000 unpersisted tasks", "<=0.2ms", b, r, a, r <= 200_000))

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
		if _, err := runtime.Call(ctx, persistInv); err != nil {
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
		if _, err := runtime.Call(ctx, inv); err != nil {
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

	return rows, nil
}

func dur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2fs", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	}
	return fmt.Sprintf("%.1fns", ns)
}
