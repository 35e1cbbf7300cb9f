// Command benchtable runs resultgen's paired overhead benchmarks (issues 14
// and 21) and prints one table. `make bench` runs it. Every row measures
// what a user's code does: the tasks and flows of package
// internal/benchtable/tasks called through their generated wrappers
// (XTask.Call, XTask.State), with the directives' settings (the defaults
// unless the row names another) and the inputs hashed into the cache key.
//
// The rows:
//
//   - P1: an unpersisted task (10 µs body, empty body) and a flow of 1,000
//     of them, against calling the bodies directly.
//   - P2: persisting 1 KiB on local storage. A first run looks its key up
//     (a miss) and writes the record; the baseline does the same by hand:
//     a stat that misses, msgpack, a temporary file, write, fsync, rename
//     and the folder's fsync.
//     Encrypted, the same run with runtime.Encrypt(true) against it
//     unencrypted, on one engine with a keyring.
//   - P3: a cache hit of 1 KiB, local (against os.ReadFile + msgpack
//     Unmarshal) and in memory storage (against a map lookup + Unmarshal).
//   - OTel: what OpenTelemetry costs when on: P1's empty body and P3's
//     hits on an engine with the OTel SDK's tracer and meter providers,
//     against the same calls on an engine without (see otel.go).
//   - P4: writing and reading a 256 MiB []byte on local storage, each
//     operation in a fresh process (for its peak RSS), against write+fsync
//     and os.ReadFile; throughput ratios and the read's peak RSS.
//   - P5: S3 (the MinIO of scripts/with-minio.sh) puts and hits of 1 KiB and
//     64 MiB through a storage block, against minio-go doing the same
//     requests (a put: a GET that misses, then the PUT); every request of
//     either side goes through a counting http.RoundTripper and the row
//     prints the counts per op by method.
//   - P6: generating a package of 1,000 annotated functions against
//     `go vet` of it, the generator's peak RSS, and a no-op re-run.
//   - P7: the stale-code check of a generated package of 50 files as a
//     user's process pays it, against reading the same files.
//   - CLI: peak RSS of `resultgen results ls`, `ls -summary`, `prune` and
//     `verify` on a store of 1,000,000 tiny records (built once, kept under
//     the user's cache folder), against the 64 MB goal of issue 21.
//
// Pairs alternate which side runs first. Each cell is the median of its
// repetitions and, after ±, half their interquartile range over the
// median. It asserts nothing: a miss is reported, not failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/resultgen/resultgen/internal/benchtable/tasks"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

var (
	reps = flag.Int("reps", 15, "paired repetitions per measure (medians are reported)")
	only = flag.String("only", "", "comma-separated parts to run (P1-P3,OTel,P4,P4enc,P5,P6,P7,CLI); all when empty")
)

// row is one line of the table. base and rg are what the columns show
// (a duration, a throughput, a size, each with its spread); ratio is
// resultgen over baseline in the unit the goal is stated in.
type row struct {
	name, goal string
	base, rg   string
	ratio      float64
	allocs     string // allocations or requests per op; "" when not measured
	pass       bool
	note       string // what the row measures beyond its name, printed under the table
}

// spread is the median of x and half its interquartile range (nearest
// rank) over the median, as "±N%".
func spread(x []float64) (float64, string) {
	if len(x) == 0 {
		return 0, ""
	}
	s := slices.Sorted(slices.Values(x))
	m := s[len(s)/2]
	q1, q3 := s[len(s)/4], s[(3*len(s))/4]
	if m == 0 {
		return m, ""
	}
	return m, fmt.Sprintf("±%.0f%%", 50*(q3-q1)/m)
}

// cell formats x's median with format, followed by its spread.
func cell(x []float64, format func(float64) string) string {
	m, sp := spread(x)
	return format(m) + " " + sp
}

func median(x []float64) float64 {
	m, _ := spread(x)
	return m
}

// pairRatio is the median of rg[i]/base[i] over the repetitions: each
// pair ran close in time, so a load that drifts during the run cancels out
// of its ratio, where it would not out of the ratio of the two medians.
func pairRatio(base, rg []float64) float64 {
	q := make([]float64, 0, len(base))
	for i := range min(len(base), len(rg)) {
		q = append(q, rg[i]/max(base[i], 1))
	}
	return median(q)
}

// timed is a row of two series of durations (ns/op) and resultgen's
// allocations per op; pass gets the two medians and the ratio.
func timed(name, goal string, base, rg, allocs []float64, pass func(b, r, ratio float64) bool) row {
	b, r, q := median(base), median(rg), pairRatio(base, rg)
	return row{name: name, goal: goal, base: cell(base, dur), rg: cell(rg, dur), ratio: q,
		allocs: fmt.Sprintf("%.0f", median(allocs)), pass: pass(b, r, q)}
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

// paired runs batches of n calls of base and of rg, *reps times each, the
// baseline first in even repetitions and resultgen first in odd ones, and
// returns each side's ns/op and resultgen's allocations/op per repetition.
func paired(n int, base, rg func()) (bs, rs, as []float64) {
	base()
	rg()
	for i := range *reps {
		var b, r, a float64
		if i%2 == 0 {
			b, _ = timeit(n, base)
			r, a = timeit(n, rg)
		} else {
			r, a = timeit(n, rg)
			b, _ = timeit(n, base)
		}
		bs, rs, as = append(bs, b), append(rs, r), append(as, a)
	}
	return bs, rs, as
}

// engine opens an engine whose home and local storage are under dir, with
// the default settings otherwise, and returns a context that carries it.
func engine(dir string, kv ...string) (context.Context, *runtime.Engine) {
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: filepath.Join(dir, "storage")}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	return runtime.WithEngine(context.Background(), e), e
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
	}{{"P1-P3", engineRows}, {"OTel", otelRows}, {"P4", bigRows}, {"P4enc", bigEncRows}, {"P5", s3Rows}, {"P6", generateRows}, {"P7", staleRows}, {"CLI", cliRows}}
	for _, part := range parts {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), part.name) {
			continue
		}
		r, n := part.run(dir)
		rows, notes = append(rows, r...), append(notes, n...)
	}
	fmt.Printf("%-40s %18s %18s %8s %22s %8s %5s\n", "measure", "baseline", "resultgen", "ratio", "allocs/requests", "goal", "")
	for _, r := range rows {
		verdict := "FAIL"
		if r.pass {
			verdict = "pass"
		}
		ratio := "-"
		if r.ratio != 0 && !math.IsInf(r.ratio, 0) && !math.IsNaN(r.ratio) {
			ratio = fmt.Sprintf("%.2fx", r.ratio)
		}
		fmt.Printf("%-40s %18s %18s %8s %22s %8s %5s\n", r.name, r.base, r.rg, ratio, r.allocs, r.goal, verdict)
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Printf("(%s/%s, %d CPUs, %s%s; medians ± half the IQR of %d paired repetitions, baseline and resultgen alternating which runs first; ratio: the median of the pairs' ratios; %d for P4, %d for P6)\n",
		goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU(), goruntime.Version(), load, *reps, *p4Reps, *bigReps)
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("- %s: %s\n", r.name, r.note)
		}
	}
	for _, n := range notes {
		fmt.Println(n)
	}
}

// engineRows is P1-P3: the engine's overhead, persisting and cache hits
// of 1 KiB, measured in this process through the generated wrappers.
func engineRows(dir string) ([]row, []string) {
	ctx, e := engine(dir)
	defer e.Close()
	var rows []row
	ratio := func(name, goal string, limit float64, n int, base, rg func()) {
		b, r, a := paired(n, base, rg)
		rows = append(rows, timed(name, goal, b, r, a, func(_, _, q float64) bool { return q <= limit }))
	}
	must := func(_ any, err error) {
		if err != nil {
			panic(err)
		}
	}

	// P1: unpersisted tasks against calling their bodies.
	ratio("P1 unpersisted task, 10µs body", "<=1.03x", 1.03, 2000,
		func() { _ = tasks.Ten() }, func() { must(tasks.TenTask.Call(ctx)) })
	b, r, a := paired(20000, func() { _ = tasks.Empty() }, func() { must(tasks.EmptyTask.Call(ctx)) })
	rows = append(rows, timed("P1 unpersisted task, empty body", "<=150ns", b, r, a, func(_, r, _ float64) bool { return r <= 150 }))
	b, r, a = paired(20, func() {
		for range 1000 {
			_ = tasks.Empty()
		}
	}, func() { must(tasks.ThousandFlow.Call(ctx)) })
	rows = append(rows, timed("P1 flow of 1,000 unpersisted tasks", "<=0.2ms", b, r, a, func(_, r, _ float64) bool { return r <= 200_000 }))

	// P2: a first run persists 1 KiB on local storage: its key holds the
	// new run's id (the default cache policy), so it writes the record
	// without a lookup (runtime's freshKey); the baseline marshals, writes
	// a temporary file, fsyncs it, renames it into place and fsyncs the
	// folder.
	bdir := filepath.Join(dir, "base")
	_ = os.MkdirAll(bdir, 0o755)
	var bi, ri int
	ratio("P2 persist 1 KiB, local", "<=1.10x", 1.10, 20, func() {
		bi++
		final := filepath.Join(bdir, "p2-"+strconv.Itoa(bi))
		data, _ := msgpack.Marshal(tasks.Persist(bi))
		f, err := os.CreateTemp(bdir, ".tmp-*")
		if err != nil {
			panic(err)
		}
		_, _ = f.Write(data)
		_ = f.Sync()
		_ = f.Close()
		_ = os.Rename(f.Name(), final)
		d, _ := os.Open(bdir)
		_ = d.Sync()
		_ = d.Close()
	}, func() {
		ri++
		if st := tasks.PersistTask.State(ctx, ri); st.IsCached() || st.Err() != nil {
			panic(fmt.Sprint("P2: not a first run: ", st.CacheReason(), st.Err()))
		}
	})
	rows[len(rows)-1].note = "default settings, a first run (new input each op): the write alone (the key holds the new run's id: no record can be there, nothing is looked up); baseline msgpack + temp file + write + fsync + rename + folder fsync"

	// P2 encrypted: the same first run with runtime.Encrypt(true) (a
	// sealed record, keyed hashes) against it unencrypted, on one engine
	// with a keyring.
	ectx, ee := engine(dir, settings.Keyring, benchKeyring)
	defer ee.Close()
	sealed := tasks.PersistTask.WithOptions(runtime.Encrypt(true))
	var ci, si int
	ratio("P2 persist 1 KiB encrypted/unencrypted", "<=1.15x", 1.15, 20, func() {
		ci++
		if st := tasks.PersistTask.State(ectx, 1_000_000+ci); st.IsCached() || st.Err() != nil {
			panic(fmt.Sprint("P2 encrypted: not a first run: ", st.CacheReason(), st.Err()))
		}
	}, func() {
		si++
		if st := sealed.State(ectx, 2_000_000+si); st.IsCached() || st.Err() != nil {
			panic(fmt.Sprint("P2 encrypted: not a first run: ", st.CacheReason(), st.Err()))
		}
	})
	rows[len(rows)-1].note = "baseline: P2's run unencrypted; resultgen: with runtime.Encrypt(true) (AES-256-GCM record, wrapped data key, HMAC manifest), both on local storage"

	// P3: a cache hit of 1 KiB against reading and decoding it by hand.
	data, _ := msgpack.Marshal(tasks.OneKiB)
	bfile := filepath.Join(bdir, "hit")
	_ = os.WriteFile(bfile, data, 0o644)
	m := map[string][]byte{"hit": data}
	must(tasks.HitLocalTask.Call(ctx, "hit"))
	must(tasks.HitMemoryTask.Call(ctx, "hit"))
	hit := func(st *runtime.State[string]) {
		if v, err := st.Result(); err != nil || !st.IsCached() || len(v) != 1024 {
			panic(fmt.Sprint("P3: not a hit: ", st.CacheReason(), err))
		}
	}
	ratio("P3 cache hit 1 KiB, local", "<=1.30x", 1.30, 2000, func() {
		b, _ := os.ReadFile(bfile)
		var v string
		_ = msgpack.Unmarshal(b, &v)
	}, func() { hit(tasks.HitLocalTask.State(ctx, "hit")) })
	rows[len(rows)-1].note = "cache_policy=inputs+task_source (a re-run's hit: the default's run_id part is new on every standalone call); baseline os.ReadFile + msgpack.Unmarshal"
	ratio("P3 cache hit 1 KiB, memory", "<=1.30x", 1.30, 20000, func() {
		var v string
		_ = msgpack.Unmarshal(m["hit"], &v)
	}, func() { hit(tasks.HitMemoryTask.State(ctx, "hit")) })
	rows[len(rows)-1].note = "storage=memory cache_policy=inputs+task_source; baseline map lookup + msgpack.Unmarshal; batches of 20,000 calls, so that each side pays the collections its own garbage causes (in batches of 2,000 a collection fell in some batches of either side: ±20-28%)"

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
