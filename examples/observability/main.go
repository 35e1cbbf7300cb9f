// Command observability exports resultgen's OpenTelemetry spans to
// standard output, one JSON object a line (the stdouttrace exporter), and
// prints the cache lookups its metrics counted. It runs a small flow twice:
// the first run computes each square (cache misses, reason "absent"), the
// second loads them (hits). Every flow run is a span, and each task run a
// child span of it, with the attributes README's "Observability" lists.
//
//	go run ./examples/observability
//
// The runtime uses the global providers (otel.SetTracerProvider,
// otel.SetMeterProvider) unless an engine is given its own
// (runtime.WithTracerProvider, runtime.WithMeterProvider).
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Square squares i; its results are kept by its input and code, so a
// second run of the flow loads them.
//
//result:task cache_policy=inputs+task_source serializer=json
func Square(i int) int { return i * i }

// SumSquares adds the squares of 0..n-1.
//
//result:flow
func SumSquares(ctx context.Context, n int) (int, error) {
	sum := 0
	for i := range n {
		v, err := SquareTask.Call(ctx, i)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "observability:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
	if err != nil {
		return err
	}
	// WithSyncer writes each span as it ends; a service uses
	// WithBatcher and an OTLP exporter.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(ctx)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)

	for run := 1; run <= 2; run++ {
		sum, err := SumSquaresFlow.Call(ctx, 3)
		if err != nil {
			return err
		}
		fmt.Printf("run %d: sum of squares %d\n", run, sum)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return err
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || m.Name != "resultgen.cache.lookups" {
				continue
			}
			for _, p := range sum.DataPoints {
				var attrs []string
				for _, kv := range p.Attributes.ToSlice() {
					attrs = append(attrs, string(kv.Key)+"="+kv.Value.String())
				}
				lines = append(lines, fmt.Sprintf("metric %s{%s} %d", m.Name, strings.Join(attrs, ","), p.Value))
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}
