package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

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

// Labels of a named run's status, on the record at its key (RunKey): the
// record of its start, rewritten once if the attempt fails, and the record
// of its result. Each attempt writes the start record when its body starts
// and one more record when it ends, so a run costs no write per step.
// `resultgen results runs` reads them: a run is Running while its key holds
// the start record, Failed when the start record says so, Completed once
// its result is there; a Running run whose holder is provably gone (its
// process is not running on this machine) is listed as such.
const (
	// LabelRunStatus is StateFailed on the start record of a run whose
	// last attempt failed; the record stays a start record (LabelRunRecord
	// "started"), so the next attempt resumes the run.
	LabelRunStatus = "run_status"
	// LabelRunError holds a failed attempt's error text on one line, with
	// secrets redacted (storage.Redact on each word) and cut to fit
	// MaxRunError (see RedactErrorText).
	LabelRunError = "run_error"
	// LabelRunStarted holds when the attempt started (RFC 3339, UTC); the
	// record's Created is when it was written: the start, or the end.
	LabelRunStarted = "run_started"
	// LabelRunStartTime holds when the named run first started (its first
	// attempt, in any process; RFC 3339, UTC): a later attempt that resumes
	// the run takes it as the run's start, so the storage keys that use
	// {flow_run.start_time:LAYOUT} name the same records in every attempt.
	LabelRunStartTime = "run_start_time"
	// LabelRunHost, LabelRunPID and LabelRunBoot name the process that
	// ran the attempt: its host name, process id and storage.BootID, so a
	// reader on the same machine can tell whether it still runs
	// (storage.ProcessGone).
	LabelRunHost = "run_host"
	LabelRunPID  = "run_pid"
	LabelRunBoot = "run_boot"
	// LabelRunSteps, on the record of an attempt's end, counts the steps
	// the attempt finished: the persisted task runs that completed or
	// were loaded, in the run and its subflows.
	LabelRunSteps = "run_steps"
)

// MaxRunError bounds the error text a failed run's record keeps, in bytes
// of S3 object metadata, which holds 2 KiB in all: labels travel there as
// percent-encoded JSON, so a space or a byte of a non-ASCII character
// takes three, and the run's key and ids take their share (with a run id
// of 255 bytes, the longest, 256 still fits on MinIO). Should the record
// not fit all the same, it is written again without the error text.
const MaxRunError = 256

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
// user's key falls under RunsPrefix or TxnPrefix.
func reservedKey(key string) error {
	if key == RunsPrefix || strings.HasPrefix(key, RunsPrefix+"/") {
		return fmt.Errorf("%w %q: %q is reserved for the records of named flow runs", storage.ErrInvalidKey, storage.ShortKey(key), RunsPrefix+"/")
	}
	if key == TxnPrefix || strings.HasPrefix(key, TxnPrefix+"/") {
		return fmt.Errorf("%w %q: %q is reserved for the markers of transactions", storage.ErrInvalidKey, storage.ShortKey(key), TxnPrefix+"/")
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
func vetRunRecord(m *record.Meta) string {
	if isStartRecord(*m) {
		return "the run started and has not finished"
	}
	return ""
}

// lookupRun reads the record at sl's key, the key of named run id: the
// result of the finished run (runFinished, with v), the record of a run
// that started and has not finished (runUnfinished), or neither. It is an
// error when the record belongs to another flow, or when the finished run
// holds other parameters than hash ("" skips that check: NewRun). The
// finished run's result is decoded into v, a *R.
func lookupRun(ctx context.Context, sl *slot, id, hash string, v any) (m record.Meta, found runFound, err error) {
	l, m, _, err := sl.load(ctx, v)
	switch {
	case err != nil:
		return m, runAbsent, err
	case l == lookupStale && isStartRecord(m):
		found = runUnfinished
	case l != lookupHit:
		return m, runAbsent, nil
	default:
		found = runFinished
	}
	if m.Func != "" && m.Func != sl.def.Func {
		return m, runAbsent, fmt.Errorf("flow %s: run id %q: %s on %s holds a run of %s, not of %s; give the run another id, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, id, storage.ShortKey(sl.key), sl.p.store, m.Func, sl.def.Func, id)
	}
	if found == runUnfinished {
		return m, found, nil
	}
	if had := m.Labels[LabelFlowParameters]; hash != "" && had != hash {
		return m, runAbsent, fmt.Errorf("flow %s: %w: run id %q finished on %s with parameters %s, called now with %s; "+
			"use another id, pass runtime.NewRun() to run it again with these, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, ErrRunParameters, id, m.Created.UTC().Format("2006-01-02T15:04:05Z"), short(had), short(hash), id)
	}
	return m, runFinished, nil
}

// runCodeChanged is the ErrRunCodeChanged error of named run id of flow,
// whose record m (started or finished) names code version was, when the
// flow's code version is now now.
func runCodeChanged(flow, id string, m record.Meta, was, now string) error {
	verb := "finished"
	if isStartRecord(m) {
		verb = "started"
	}
	at := m.Created
	if t, err := time.Parse(time.RFC3339Nano, m.Labels[LabelRunStarted]); err == nil && isStartRecord(m) {
		at = t
	}
	return fmt.Errorf("flow %s: %w: run id %q %s on %s under flow code version %s, and the flow's code is now %s; "+
		"give the run a new id, pass runtime.ResumeAcrossVersions() to resume it under the new code "+
		"(each finished step is reused only where its own code version and inputs still match), "+
		"or forget it with `resultgen results rm -flow-run %s`",
		flow, ErrRunCodeChanged, id, verb, at.UTC().Format("2006-01-02T15:04:05Z"), short(was), short(now), id)
}

// runLabels are the labels every record at a named run's key carries: the
// run's id and name, and the status of attempt fr (LabelRunStarted, the
// process). The caller adds the rest.
func runLabels(fr *flowRun) map[string]string {
	host, _ := os.Hostname()
	labels := map[string]string{"flow_run_id": fr.id, "flow_run_name": fr.name,
		LabelRunStarted:   fr.started.UTC().Format(time.RFC3339Nano),
		LabelRunStartTime: fr.start.UTC().Format(time.RFC3339Nano),
		LabelRunPID:       strconv.Itoa(os.Getpid())}
	setLabel(labels, LabelRunHost, host)
	setLabel(labels, LabelRunBoot, storage.BootID())
	return labels
}

// resumeStart makes the start of named run fr, which resumes the
// unfinished run whose start record is m, the start its first attempt
// recorded (LabelRunStartTime), so that {flow_run.start_time} renders the
// same in every attempt. A record written before the label existed keeps
// fr's own start.
func resumeStart(fr *flowRun, m record.Meta) {
	if t, err := time.Parse(time.RFC3339Nano, m.Labels[LabelRunStartTime]); err == nil {
		fr.start = t.UTC()
	}
}

// writeStartRecord keeps, at the key of named run fr (whose lock is held),
// the record of a run that started and has not finished: the flow's code
// version, for a later attempt to compare (ErrRunCodeChanged), and the
// run's status (Running: see LabelRunStatus). The run's result replaces it
// when the run finishes; writeFailedRecord when the attempt fails.
func writeStartRecord(ctx context.Context, sl *slot, fr *flowRun) error {
	meta := record.Meta{
		Task:    sl.task,
		Func:    sl.def.Func,
		Key:     sl.key,
		Created: fr.started,
		Labels:  runLabels(fr),
	}
	meta.Labels[LabelRunRecord] = startedLabel
	meta.Labels[LabelCodeVersion] = sl.def.Source
	setLabel(meta.Labels, LabelTraceParent, traceParent(ctx))
	if _, err := record.WriteLiteral(ctx, sl.p.store, sl.key, meta, "null", storage.PutOptions{Size: -1}); err != nil {
		return fmt.Errorf("flow %s: run id %q: record the run's start on %s: %w", sl.task, fr.durable, sl.p.store, err) // err names the key
	}
	return nil
}

// writeFailedRecord rewrites the start record of named run fr (whose lock
// is held) when its attempt failed with runErr: still a start record, so
// the next attempt resumes, now saying Failed, why (redacted) and when. It
// runs even when ctx was cancelled (a cancelled run is a failed one),
// within a few seconds. Its own failure is returned for the caller to join
// to runErr.
func writeFailedRecord(ctx context.Context, sl *slot, fr *flowRun, code string, runErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	meta := record.Meta{
		Task:    sl.task,
		Func:    sl.def.Func,
		Key:     sl.key,
		Created: sl.e.now().UTC(),
		Labels:  runLabels(fr),
	}
	meta.Labels[LabelRunRecord] = startedLabel
	meta.Labels[LabelRunStatus] = StateFailed
	meta.Labels[LabelRunError] = RedactErrorText(runErr.Error(), MaxRunError)
	meta.Labels[LabelRunSteps] = strconv.FormatInt(fr.steps.Load(), 10)
	setLabel(meta.Labels, LabelCodeVersion, code)
	setLabel(meta.Labels, LabelTraceParent, traceParent(ctx)) // the next attempt links to this one
	_, err := record.WriteLiteral(ctx, sl.p.store, sl.key, meta, "null", storage.PutOptions{Size: -1})
	if err != nil {
		// Perhaps too large for the store's metadata: the status matters more.
		delete(meta.Labels, LabelRunError)
		_, err = record.WriteLiteral(ctx, sl.p.store, sl.key, meta, "null", storage.PutOptions{Size: -1})
	}
	if err != nil {
		return fmt.Errorf("flow %s: run id %q: record the run's failure on %s: %w", sl.task, fr.durable, sl.p.store, err)
	}
	return nil
}

// RedactErrorText is error text as a run's status record keeps it: each
// word that may carry a secret (a URL or userinfo: it holds "://" or "@")
// passed through storage.Redact, runs of white space and control
// characters turned into one space, and the whole cut on a rune boundary
// (ending in "…") so that it takes at most max bytes as a label in S3
// object metadata (see MaxRunError): printable ASCII takes one byte each
// ('"' and '\\' two, '<', '>' and '&' six), a space, '%' or non-ASCII
// byte three.
func RedactErrorText(s string, max int) string {
	words := strings.Fields(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s))
	for i, w := range words {
		if strings.Contains(w, "://") || strings.Contains(w, "@") {
			words[i] = storage.Redact(w)
		}
	}
	s = strings.Join(words, " ")
	const ell = "…"
	budget := max - metaCost(ell)
	used := 0
	for i, r := range s {
		c := metaCost(string(r))
		if used+c > budget {
			if metaCost(s[i:]) <= max-used {
				return s // the rest fits without the ellipsis
			}
			return s[:i] + ell
		}
		used += c
	}
	return s
}

// metaCost is how many bytes s takes as a JSON string value in
// percent-encoded S3 object metadata (see RedactErrorText).
func metaCost(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= 0x20 || c > 0x7e || c == '%':
			n += 3
		case c == '"' || c == '\\':
			n += 2
		case c == '<' || c == '>' || c == '&':
			n += 6
		default:
			n++
		}
	}
	return n
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
