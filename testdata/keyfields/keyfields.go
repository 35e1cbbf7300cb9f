// Package keyfields has storage keys with the flow-run and task-run fields
// that compile: the calling flow's parameters, the flow run's start time
// with a Go layout, and the map index.
package keyfields

import (
	"context"
	"time"
)

// Region has a text form, so a key can hold it.
type Region string

func (r Region) String() string { return string(r) }

// Part is keyed by its flow's region and day, and by its index in a Map.
//
//result:task storage_key="{flow_run.parameters[region]}/{flow_run.start_time:2006-01-02}/part-{task_run.map_index}.json"
func Part(ctx context.Context, row string) (int, error) { return len(row), nil }

// Hourly is keyed by the flow run's start hour and a flow parameter of a
// named type.
//
//result:task storage_key="hourly/{flow_run.start_time:20060102T15}-{flow_run.parameters[zone]}-{parameters[n]}"
func Hourly(n int) int { return n }

// Daily calls both, with every parameter a key can read.
//
//result:flow
func Daily(ctx context.Context, region string, zone Region, when time.Time, rows []string) (int, error) {
	total := 0
	for _, f := range PartTask.Map(ctx, rows) {
		n, err := f.Result()
		if err != nil {
			return 0, err
		}
		total += n
	}
	v, err := HourlyTask.Call(ctx, total)
	return v, err
}

// Pair has two parameters: its Map takes a slice of PairTaskArgs.
//
//result:task storage_key="pair/{parameters[a]}-{parameters[b]}-{task_run.map_index}"
func Pair(a string, b int, rest ...string) string { return a }

// Pairs maps Pair over argument sets.
//
//result:flow
func Pairs(ctx context.Context) []string {
	var out []string
	for _, f := range PairTask.Map(ctx, []PairTaskArgs{{A: "x", B: 1}, {A: "y", B: 2, Rest: []string{"r"}}}) {
		v, _ := f.Result()
		out = append(out, v)
	}
	return out
}

// Collide has parameters whose field names would clash.
//
//result:task
func Collide(name string, Name int, _ bool) string { return name }
