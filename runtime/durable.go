package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// RunsPrefix is the first key segment of the records of named flow runs:
// the result of run ID of flow NAME is kept at ".runs/NAME/ID" in the
// flow's storage. Task storage keys and cache_key_fn keys may not start
// with it, so a run's record never meets a user's key.
const RunsPrefix = ".runs"

// Labels of a named run's record, beside flow_run_id and flow_run_name,
// and of the records of its tasks.
const (
	// LabelFlowParameters holds the digest of the run's parameters (the
	// Hasher's, as for the flow_parameters cache policy).
	LabelFlowParameters = rules.PolicyFlowParameters
	// LabelRunRecord is "true" on the record that holds a named run's
	// result, and "started" on the record kept at the same key from the
	// moment the run's body first runs until it finishes (see RunID).
	LabelRunRecord = "run_record"
	// LabelCodeVersion holds the code version (Def.Source) of the function
	// that wrote the record: on a named run's records, the flow's; on the
	// records of its tasks, the task's (see record.LabelCodeVersion).
	LabelCodeVersion = record.LabelCodeVersion
	// LabelFlowCodeVersion, on the records of the tasks of a named run,
	// holds the code version of the flow run they ran in.
	LabelFlowCodeVersion = "flow_code_version"
	// LabelInputs, on the records of the tasks of a named run, holds the
	// digest of the task's parameters (those its cache policy keys on, or
	// all of them when its key is not made by a cache policy).
	LabelInputs = "inputs"
)

// startedLabel is LabelRunRecord's value on the record of a named run that
// started and has not finished.
const startedLabel = "started"

// ErrRunParameters is wrapped by the error of a named flow run called with
// other parameters than the run that finished under its id.
var ErrRunParameters = errors.New("the named run finished with other parameters")

// ErrRunCodeChanged is wrapped by the error of a named flow run whose body
// would run under other flow code than the run started (or, with NewRun,
// finished) under: the run's steps would mix two versions of the flow. The
// message names both code versions and the fixes: another run id,
// ResumeAcrossVersions, or forgetting the run.
var ErrRunCodeChanged = errors.New("the flow's code changed since the named run started")

// ValidateRunID reports whether id can name a flow run (see RunID): one
// valid storage-key segment.
func ValidateRunID(id string) error {
	if strings.Contains(id, "/") {
		return fmt.Errorf("run id %q: contains \"/\": a run id is one key segment", id)
	}
	if err := storage.ValidateKey(id); err != nil {
		return fmt.Errorf("run id: %w", err)
	}
	return nil
}

// RunKey is the key of the record of run id of the flow named flow.
func RunKey(flow, id string) string {
	return RunsPrefix + "/" + KeyValue(flow) + "/" + id
}

// reservedKey reports an error wrapping storage.ErrInvalidKey when a
// user's key falls under RunsPrefix.
func reservedKey(key string) error {
	if key == RunsPrefix || strings.HasPrefix(key, RunsPrefix+"/") {
		return fmt.Errorf("%w %q: %q is reserved for the records of named flow runs", storage.ErrInvalidKey, storage.ShortKey(key), RunsPrefix+"/")
	}
	return nil
}

// runFound is what a named run's key holds.
type runFound uint8

const (
	runAbsent     runFound = iota // nothing (or a record to replace)
	runUnfinished                 // the record of a run that started and has not finished
	runFinished                   // the run's result
)

// isStartRecord reports whether m is the record of a named run that
// started and has not finished.
func isStartRecord(m record.Meta) bool { return m.Labels[LabelRunRecord] == startedLabel }

// vetRunRecord is the slot check of a named run's key: the record of a run
// that has not finished is never read as its result.
func vetRunRecord(m record.Meta) string {
	if isStartRecord(m) {
		return "the run started and has not finished"
	}
	return ""
}

// lookupRun reads the record at sl's key, the key of named run id: the
// result of the finished run (runFinished, with v), the record of a run
// that started and has not finished (runUnfinished), or neither. It is an
// error when the record belongs to another flow, or when the finished run
// holds other parameters than hash ("" skips that check: NewRun).
func lookupRun[R any](ctx context.Context, sl *slot, id, hash string) (v R, m record.Meta, found runFound, err error) {
	l, m, _, err := load(ctx, sl, &v)
	switch {
	case err != nil:
		return v, m, runAbsent, err
	case l == lookupStale && isStartRecord(m):
		found = runUnfinished
	case l != lookupHit:
		return v, m, runAbsent, nil
	default:
		found = runFinished
	}
	if m.Func != "" && m.Func != sl.def.Func {
		return v, m, runAbsent, fmt.Errorf("flow %s: run id %q: %s on %s holds a run of %s, not of %s; give the run another id, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, id, storage.ShortKey(sl.key), sl.p.store, m.Func, sl.def.Func, id)
	}
	if found == runUnfinished {
		return v, m, found, nil
	}
	if had := m.Labels[LabelFlowParameters]; hash != "" && had != hash {
		return v, m, runAbsent, fmt.Errorf("flow %s: %w: run id %q finished on %s with parameters %s, called now with %s; "+
			"use another id, pass runtime.NewRun() to run it again with these, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, ErrRunParameters, id, m.Created.UTC().Format("2006-01-02T15:04:05Z"), short(had), short(hash), id)
	}
	return v, m, runFinished, nil
}

// runCodeChanged is the ErrRunCodeChanged error of named run id of flow,
// whose record m (started or finished) names code version was, when the
// flow's code version is now now.
func runCodeChanged(flow, id string, m record.Meta, was, now string) error {
	verb := "finished"
	if isStartRecord(m) {
		verb = "started"
	}
	return fmt.Errorf("flow %s: %w: run id %q %s on %s under flow code version %s, and the flow's code is now %s; "+
		"give the run a new id, pass runtime.ResumeAcrossVersions() to resume it under the new code "+
		"(each finished step is reused only where its own code version and inputs still match), "+
		"or forget it with `resultgen results rm -flow-run %s`",
		flow, ErrRunCodeChanged, id, verb, m.Created.UTC().Format("2006-01-02T15:04:05Z"), short(was), short(now), id)
}

// writeStartRecord keeps, at the key of named run fr (whose lock is held),
// the record of a run that started and has not finished: the flow's code
// version, for a later attempt to compare (ErrRunCodeChanged). The run's
// result replaces it when the run finishes.
func writeStartRecord(ctx context.Context, sl *slot, fr *flowRun) error {
	meta := record.Meta{
		Task:    sl.task,
		Func:    sl.def.Func,
		Key:     sl.key,
		Created: sl.e.now().UTC(),
		Labels: map[string]string{"flow_run_id": fr.id, "flow_run_name": fr.name,
			LabelRunRecord: startedLabel, LabelCodeVersion: sl.def.Source},
	}
	setLabel(meta.Labels, LabelTraceParent, traceParent(ctx))
	if _, err := record.WriteLiteral(ctx, sl.p.store, sl.key, meta, "null", storage.PutOptions{Size: -1}); err != nil {
		return fmt.Errorf("flow %s: run id %q: record the run's start on %s: %w", sl.task, fr.durable, sl.p.store, err) // err names the key
	}
	return nil
}

// vetStep is the slot check of the task records of named run fr: a record
// this run wrote (label flow_run_id) is reused only when the task's code
// version is the one that wrote it, whatever the task's key is made of; and
// a record written under another version of the flow (resumed with
// ResumeAcrossVersions) only when the task's code version and inputs
// (inputs, computed on demand) both still match. Records of other runs, and
// those written before versions were recorded, follow the usual rules.
func (fr *flowRun) vetStep(m record.Meta, def *Def, inputs func() string) string {
	if m.Labels["flow_run_id"] != fr.id {
		return ""
	}
	code := m.Labels[LabelCodeVersion]
	if code != "" && code != def.Source {
		return fmt.Sprintf("the task's code changed since run %q recorded it (code version %s, now %s)", fr.durable, short(code), short(def.Source))
	}
	flowCode := m.Labels[LabelFlowCodeVersion]
	if flowCode == "" || flowCode == fr.source {
		return ""
	}
	switch in := m.Labels[LabelInputs]; {
	case code == "":
		return fmt.Sprintf("recorded under flow code version %s, without the task's code version", short(flowCode))
	case in == "" || in != inputs():
		return fmt.Sprintf("recorded under flow code version %s with other inputs", short(flowCode))
	}
	return ""
}

// short shortens a "sha256:<hex>" digest for messages.
func short(h string) string {
	if h == "" {
		return "(none)"
	}
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
