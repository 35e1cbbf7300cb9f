// Package findings is review's engine: from the syntax and go/types
// information of type-checked packages, it computes the effective settings
// of every task and flow (rows, through rules.Resolve) and the findings
// (one check per file, check_*.go, each documented there). Package review
// documents the rules and the checks, and is its public face; the
// generator runs it on the packages it has loaded, so that `resultgen`,
// `resultgen review` and resultvet report the same findings from one
// implementation.
//
// Run is the only entry point. The engine judges with the Defaults it is
// given (Builtin for resultvet and the generator), follows calls across
// every package it is handed, and fills the types of package review/report.
package findings
