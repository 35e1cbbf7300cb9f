// Package errkeyfields has storage keys whose flow-run and task-run fields
// cannot be compiled.
package errkeyfields

import "context"

type Opaque struct{ data []int }

// Slashes writes a date with path separators.
//
//result:task storage_key="{flow_run.start_time:2006/01/02}/{parameters[n]}"
func Slashes(n int) int { return n }

// Strftime writes a Python date format.
//
//result:task storage_key="{flow_run.start_time:%Y-%m-%d}/{parameters[n]}"
func Strftime(n int) int { return n }

// NoLayout has no layout.
//
//result:task storage_key="{flow_run.start_time}/{parameters[n]}"
func NoLayout(n int) int { return n }

// SeedNames uses the older engine's flat names.
//
//result:task storage_key="{map_index}/{task_loop_count}/{parameters[n]}"
func SeedNames(n int) int { return n }

// ChainedFlowParam selects a field of a flow parameter.
//
//result:task storage_key="{flow_run.parameters[cfg].Region}/{parameters[n]}"
func ChainedFlowParam(n int) int { return n }

// ByRegion reads the calling flow's region.
//
//result:task storage_key="{flow_run.parameters[region]}/{parameters[n]}"
func ByRegion(n int) int { return n }

// Regional has the parameter.
//
//result:flow
func Regional(ctx context.Context, region string) (int, error) {
	return ByRegionTask.Call(ctx, 1)
}

// Global lacks it.
//
//result:flow
func Global(ctx context.Context, day int) (int, error) {
	return ByRegionTask.Call(ctx, day)
}

// Opaqued has it, of a type a key cannot hold.
//
//result:flow
func Opaqued(ctx context.Context, region Opaque) []int {
	fs := ByRegionTask.Map(ctx, []int{1, 2})
	out := make([]int, len(fs))
	for i, f := range fs {
		out[i], _ = f.Result()
	}
	return out
}
