package review

import (
	"github.com/resultgen/resultgen/internal/findings"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/review/report"
)

// The report's types are package report's: one definition, which the
// engine fills and review returns.
type (
	// Severity is how bad a finding is: Error or Warning.
	Severity = report.Severity
	// Finding is one problem, at its position, with a one-line fix.
	Finding = report.Finding
	// Defaults are the global settings in force (runtime/settings), shown
	// in the report's header and used where neither a task nor its flow
	// decides.
	Defaults = report.Defaults
	// Row is the effective settings of one task or flow (see the package
	// documentation and report.Row).
	Row = report.Row
	// CodeVersion is what a task's task_source hash (Def.Source) is made of.
	CodeVersion = report.CodeVersion
)

const (
	// Error: the settings lose data or cannot work; resultgen review exits 1.
	Error = report.Error
	// Warning: the settings probably do not do what was meant; resultgen
	// review exits 1 on them only with -strict.
	Warning = report.Warning
)

// Check names, the stable identifiers of the kinds of finding (Finding.Check).
const (
	CheckDirective      = report.CheckDirective      // a //result: directive does not parse
	CheckPersistOff     = report.CheckPersistOff     // persist=false with a setting that needs persisted results
	CheckUnencodable    = report.CheckUnencodable    // the serializer cannot encode the result type
	CheckDroppedField   = report.CheckDroppedField   // a struct field the serializer silently drops
	CheckUndecodable    = report.CheckUndecodable    // an interface-typed field the serializer cannot decode
	CheckKeyParams      = report.CheckKeyParams      // a storage key that ignores some or all parameters
	CheckKeyConflict    = report.CheckKeyConflict    // two tasks write one storage key with different result types
	CheckKeyFnIgnored   = report.CheckKeyFnIgnored   // cache_key_fn set beside storage_key, which wins
	CheckSecretInKey    = report.CheckSecretInKey    // a secret-looking parameter in a storage key
	CheckRetriesNoStore = report.CheckRetriesNoStore // persist=false on a task called from a flow with retries
	CheckUselessExpiry  = report.CheckUselessExpiry  // cache_expiration where nothing is looked up
	CheckNeverReadable  = report.CheckNeverReadable  // persist=false and cache_in_memory=false
	CheckNondeterminism = report.CheckNondeterminism // time, randomness or environment read in a cached task
	CheckUnhashable     = report.CheckUnhashable     // a parameter that is not a value under a policy that hashes inputs
	CheckFlowParam      = report.CheckFlowParam      // a storage key reads {flow_run.parameters[NAME]} that a calling flow cannot fill
)

// Report is what Review found.
type Report struct {
	Defaults Defaults  `json:"defaults"`
	Rows     []Row     `json:"rows"`     // by package, then source order; a function's flow rows follow its standalone row
	Findings []Finding `json:"findings"` // by position
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
}

// Failed reports whether the report should fail a run: any error, or with
// strict any warning too.
func (r *Report) Failed(strict bool) bool {
	return r.Errors > 0 || strict && r.Warnings > 0
}

func (r *Report) count() {
	r.Errors, r.Warnings = 0, 0
	for _, f := range r.Findings {
		if f.Severity == Error {
			r.Errors++
		} else {
			r.Warnings++
		}
	}
}

// runScoped reports whether r is a persisted task keyed by a cache_policy
// with run_id: each flow run (and each call outside a flow) gets a new key,
// so its records are never loaded across runs.
func runScoped(r Row) bool {
	if r.Kind != "task" || !r.Persisted || r.KeyKind != rules.KeyCachePolicy {
		return false
	}
	pol, err := rules.ParsePolicy(r.CachePolicy)
	return err == nil && pol.Has(rules.PolicyRunID)
}

// reportOf is the public report of the engine's rows and findings.
func reportOf(d Defaults, rows []Row, fs []findings.Finding) *Report {
	rep := &Report{Defaults: d, Rows: rows, Findings: make([]Finding, len(fs))}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.SameIn == nil {
			r.SameIn = []string{}
		}
		if runScoped(*r) {
			r.Reuse = report.ReuseRunScoped
		}
	}
	for i, f := range fs {
		rep.Findings[i] = f.Finding
	}
	rep.count()
	return rep
}
