// Package flowparam has storage keys that read the calling flow's
// parameters (check flow-param).
package flowparam

import "context"

type Region struct{ code string }

// ByRegion is keyed by the calling flow's region.
//
// want +2 `task ByRegion: storage_key reads \{flow_run.parameters\[region\]\}, but flow NoRegion, which calls it at flow_param.go:\d+:\d+, has no parameter region \(it has day\)` `task ByRegion: storage_key reads \{flow_run.parameters\[region\]\}, but flow OpaqueRegion's parameter region has type Region, which cannot be written into a key`
//
//result:task storage_key="by-region/{flow_run.parameters[region]}/{parameters[n]}"
func ByRegion(n int) int { return n }

// Not a finding: the flow has a string parameter region.
//
//result:flow
func WithRegion(ctx context.Context, region string) int {
	return ByRegion(1)
}

//result:flow
func NoRegion(ctx context.Context, day int) int {
	return ByRegion(day)
}

//result:flow
func OpaqueRegion(ctx context.Context, region Region) int {
	return ByRegion(2)
}
