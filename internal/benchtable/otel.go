package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/resultgen/resultgen/internal/benchtable/tasks"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// otelRows is the OTel part: what turning OpenTelemetry on costs a run.
// Each row runs the same wrapper call on two engines over the same
// storage: the baseline's without providers (the global no-ops, as every
// other row), resultgen's with the OTel SDK's TracerProvider (every span
// sampled and ended, no exporter) and MeterProvider (a manual reader,
// never collected). The rows have no goal: P1 and P3 are the goals of the
// runs without providers.
func otelRows(dir string) ([]row, []string) {
	off, offEngine := engine(dir)
	defer offEngine.Close()
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: filepath.Join(dir, "storage")}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	onEngine := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)), runtime.WithTracerProvider(tp), runtime.WithMeterProvider(mp))
	defer onEngine.Close()
	on := runtime.WithEngine(context.Background(), onEngine)

	must := func(_ any, err error) {
		if err != nil {
			panic(err)
		}
	}
	hit := func(st *runtime.State[string]) {
		if v, err := st.Result(); err != nil || !st.IsCached() || len(v) != 1024 {
			panic(fmt.Sprint("OTel: not a hit: ", st.CacheReason(), err))
		}
	}
	for _, ctx := range []context.Context{off, on} {
		must(tasks.HitLocalTask.Call(ctx, "hit"))
		must(tasks.HitMemoryTask.Call(ctx, "hit"))
	}
	var rows []row
	info := func(name string, n int, base, rg func()) {
		b, r, a := paired(n, base, rg)
		rows = append(rows, timed(name, "-", b, r, a, func(_, _, _ float64) bool { return true }))
	}
	info("OTel on: unpersisted task, empty body", 20000,
		func() { must(tasks.EmptyTask.Call(off)) }, func() { must(tasks.EmptyTask.Call(on)) })
	rows[len(rows)-1].note = "baseline: the same call without providers (P1's); resultgen: OTel SDK tracer (a span a run, sampled) and meter providers"
	info("OTel on: cache hit 1 KiB, local", 2000,
		func() { hit(tasks.HitLocalTask.State(off, "hit")) }, func() { hit(tasks.HitLocalTask.State(on, "hit")) })
	info("OTel on: cache hit 1 KiB, memory", 2000,
		func() { hit(tasks.HitMemoryTask.State(off, "hit")) }, func() { hit(tasks.HitMemoryTask.State(on, "hit")) })
	return rows, nil
}
