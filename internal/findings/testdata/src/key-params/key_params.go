// Package keyparams has storage keys that leave out parameters (check
// key-params).
package keyparams

import "context"

// want +2 `task Latest: storage_key "reports/latest" uses none of the parameters \(year, region\): every call shares one stored result`
//
//result:task storage_key=reports/latest
func Latest(ctx context.Context, year int, region string) string { return "" }

// want +2 `task ByYear: storage_key "reports/\{parameters\[year\]\}" omits region: calls that differ only there collide on one stored result`
//
//result:task storage_key=reports/{parameters[year]}
func ByYear(year int, region string) string { return "" }

// Not findings: every parameter in the key; no parameters; an unnamed or
// blank parameter.
//
//result:task storage_key=reports/{parameters[year]}/{parameters[region]}
func Both(ctx context.Context, year int, region string) string { return "" }

//result:task storage_key=reports/fixed
func Fixed() string { return "" }

//result:task storage_key=reports/{parameters[year]}
func Blank(year int, _ string) string { return "" }

// Not a finding: a mapped run is named by its place.
//
//result:task storage_key="part-{task_run.map_index}.json"
func ByIndex(line string) int { return len(line) }
