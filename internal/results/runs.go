package results

import (
	"context"
	"fmt"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Labels the runtime writes that RunScoped reads (see runtime.LabelRunRecord
// and runtime.LabelFlowCodeVersion; results does not import the runtime).
const (
	labelFlowRunID       = "flow_run_id"
	labelRunRecord       = "run_record"
	labelFlowCodeVersion = "flow_code_version"
	runRecordFinished    = "true"
	runRecordStarted     = "started"
)

// RunScoped reports whether the record of m was written for one run only:
// its key was made by a cache policy with the run_id part (the default
// policy has it), so no later run computes the same key and only the run
// that wrote it could read it again. It returns the run's id.
func RunScoped(m record.Meta) (string, bool) {
	if m.Manifest == nil || m.Manifest.RunID == "" || m.Manifest.KeyFrom != "cache_policy" {
		return "", false
	}
	p, err := rules.ParsePolicy(m.Manifest.Policy)
	if err != nil || !p.Has(rules.PolicyRunID) {
		return "", false
	}
	return m.Manifest.RunID, true
}

// runIndex is what a pass over a store tells about its runs.
type runIndex struct {
	last map[string]time.Time // newest record of each run id (Manifest.RunID or label flow_run_id)
	// named holds the named runs (label flow_run_id of a run record):
	// true once finished (the run's result), false while started.
	named    map[string]bool
	finished map[string]time.Time // when each finished named run wrote its result
}

// indexRuns reads the header of every record of st.
func indexRuns(ctx context.Context, st storage.Storage, now time.Time, workers int, looked func()) (*runIndex, error) {
	x := &runIndex{last: map[string]time.Time{}, named: map[string]bool{}, finished: map[string]time.Time{}}
	seen := func(id string, t time.Time) {
		if id != "" && t.After(x.last[id]) {
			x.last[id] = t
		}
	}
	for e, err := range List(ctx, st, ListOptions{Now: now, Workers: workers, Looked: looked}) {
		if err != nil {
			return nil, err
		}
		if e.Status != StatusRecord {
			continue
		}
		m := e.Meta
		id, _ := RunScoped(m)
		seen(id, m.Created)
		seen(m.Labels[labelFlowRunID], m.Created)
		switch m.Labels[labelRunRecord] {
		case runRecordFinished:
			run := m.Labels[labelFlowRunID]
			x.named[run] = true
			x.finished[run] = m.Created
		case runRecordStarted:
			if run := m.Labels[labelFlowRunID]; !x.named[run] {
				x.named[run] = false
			}
		}
	}
	return x, nil
}

// matchRun is the RunsOlderThan criterion: m is run-scoped and its run
// finished more than olderThan before now. A named run (runtime.RunID)
// counts as finished only once its result is in the store; its age is
// that result's. Any other run's age is that of its newest record: a run
// still writing records is younger than its last one.
func (x *runIndex) matchRun(m record.Meta, olderThan time.Duration, now time.Time) (bool, string) {
	id, ok := RunScoped(m)
	if !ok {
		return false, ""
	}
	flowRun := m.Labels[labelFlowRunID]
	end := x.last[id]
	if t := x.last[flowRun]; t.After(end) {
		end = t
	}
	finished, named := x.named[flowRun]
	switch {
	case named && !finished:
		return false, "" // a named run that has not finished: it resumes from these
	case named:
		end = x.finished[flowRun]
	case m.Labels[labelFlowCodeVersion] != "":
		return false, "" // a task of a named run whose result is not here: it may resume
	}
	if age := now.Sub(end); age > olderThan {
		run := id
		if flowRun != "" {
			run = flowRun
		}
		return true, fmt.Sprintf("run-scoped (cache_policy %s) of run %s, finished %s ago", m.Manifest.Policy, run, age.Round(time.Second))
	}
	return false, ""
}
