package results

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Labels of a named run's status (runtime.LabelRunStatus and the labels
// beside it; results does not import the runtime).
const (
	labelRunStatus  = "run_status"
	labelRunError   = "run_error"
	labelRunStarted = "run_started"
	labelRunHost    = "run_host"
	labelRunPID     = "run_pid"
	labelRunBoot    = "run_boot"
	labelRunSteps   = "run_steps"
	labelRunName    = "flow_run_name"
	runsPrefix      = ".runs/"
)

// RunStatus is the state of a named run as its record tells it.
type RunStatus string

// The statuses of a Run.
const (
	// RunRunning: an attempt started and has not ended.
	RunRunning RunStatus = "Running"
	// RunHolderGone: the record says Running, but the process that ran it
	// is gone: it ran on this machine and no longer runs, or nobody holds
	// the run's lock (a store that tells, storage.LockInspector: a local
	// lock file no process holds, an S3 lease that expired). It was
	// killed, and the next attempt with the run's id resumes it.
	RunHolderGone RunStatus = "Running (holder gone)"
	// RunCompleted: the run finished; its result is at its key.
	RunCompleted RunStatus = "Completed"
	// RunFailed: the last attempt failed (Run.Error says why); the next
	// attempt with the run's id resumes it.
	RunFailed RunStatus = "Failed"
)

// Statuses are the statuses RunsOptions.Status takes, in the order
// `resultgen results runs -status` lists them.
var Statuses = []RunStatus{RunRunning, RunHolderGone, RunCompleted, RunFailed}

// Run is one named flow run (runtime.RunID), as the record at its key
// (.runs/FLOW/ID) tells it.
type Run struct {
	Flow   string    `json:"flow"`   // the flow's name (record.Meta.Task)
	Func   string    `json:"func"`   // the flow's function, package-qualified
	ID     string    `json:"run_id"` // the run's id
	Key    string    `json:"key"`
	Status RunStatus `json:"status"`
	// Started is when the last attempt started; Ended when it ended
	// (zero while Running).
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
	// Host and PID name the process of the last attempt; "" and 0 in
	// records written before runs kept their status.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
	// Steps is how many steps the last attempt finished (the persisted
	// task runs it completed or loaded); -1 while it runs (count them with
	// RunSteps).
	Steps       int    `json:"steps"`
	CodeVersion string `json:"code_version,omitempty"`
	Error       string `json:"error,omitempty"` // a failed attempt's error, redacted when written
}

// Duration is how long the last attempt ran, or has run by now while it
// runs.
func (r Run) Duration(now time.Time) time.Duration {
	end := r.Ended
	if end.IsZero() {
		end = now
	}
	if r.Started.IsZero() {
		return 0
	}
	return end.Sub(r.Started)
}

// RunOf reads the Run a named run's record m tells; false when m is not
// the record of a named run.
func RunOf(m record.Meta) (Run, bool) {
	rec := m.Labels[labelRunRecord]
	if rec != runRecordFinished && rec != runRecordStarted {
		return Run{}, false
	}
	r := Run{Flow: m.Task, Func: m.Func, ID: m.Labels[labelFlowRunID], Key: m.Key, Host: m.Labels[labelRunHost],
		CodeVersion: m.Labels[record.LabelCodeVersion], Error: m.Labels[labelRunError], Steps: -1}
	r.PID, _ = strconv.Atoi(m.Labels[labelRunPID])
	if n, err := strconv.Atoi(m.Labels[labelRunSteps]); err == nil {
		r.Steps = n
	}
	r.Started, _ = time.Parse(time.RFC3339Nano, m.Labels[labelRunStarted])
	switch {
	case rec == runRecordFinished:
		r.Status, r.Ended = RunCompleted, m.Created
	case m.Labels[labelRunStatus] == string(RunFailed):
		r.Status, r.Ended = RunFailed, m.Created
	case storage.ProcessGone(m.Labels[labelRunBoot], r.PID):
		r.Status = RunHolderGone
	default:
		r.Status = RunRunning
		if r.Started.IsZero() {
			r.Started = m.Created // a start record of an earlier version
		}
	}
	return r, true
}

// RunsOptions select the runs Runs yields.
type RunsOptions struct {
	Flow   string    // only runs of this flow (MatchName: Step, pkg.Step or its qualified name)
	ID     string    // only runs with this id
	Status RunStatus // only runs in this status; "" means all
	// OlderThan and NewerThan keep the runs whose last attempt started
	// more, or less, than this before Now; 0 leaves them out.
	OlderThan, NewerThan time.Duration
	Now                  time.Time // zero means time.Now()
	Workers              int       // records looked at at once; < 1 means DefaultWorkers
	Looked               func()    // called once per object looked at (a command's progress)
}

// Runs yields the named runs in st (the records under .runs/), in key
// order: flow, then id. It reads record headers only, of the run records
// only, and holds none of them: memory does not grow with the store.
// Objects under .runs/ that are not readable records are skipped; the
// error is the store's failing to list, and ends the sequence.
func Runs(ctx context.Context, st storage.Storage, opts RunsOptions) iter.Seq2[Run, error] {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(Run, error) bool) {
		for e, err := range List(ctx, st, ListOptions{Prefix: runsPrefix, Now: now, Workers: opts.Workers, Looked: opts.Looked}) {
			if err != nil {
				yield(Run{}, err)
				return
			}
			if e.Status != StatusRecord || (opts.Flow != "" && !MatchName(e.Meta, opts.Flow)) {
				continue
			}
			r, ok := RunOf(e.Meta)
			if !ok || opts.ID != "" && r.ID != opts.ID {
				continue
			}
			if r.Status == RunRunning {
				if r, err = holderGone(ctx, st, r); err != nil {
					yield(Run{}, err)
					return
				}
			}
			if opts.Status != "" && r.Status != opts.Status {
				continue
			}
			age := now.Sub(r.Started)
			if opts.OlderThan > 0 && age <= opts.OlderThan || opts.NewerThan > 0 && age >= opts.NewerThan {
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// holderGone returns r, a Running run, as RunHolderGone when st can tell
// (storage.LockInspector) that nobody holds the run's lock. A run takes
// its lock before it writes its start record and writes its end before it
// lets go, so a free lock under a start record means a dead holder; the
// record is read again after the lock is found free, and a run that
// ended, or started anew, meanwhile is returned as the record now says.
func holderGone(ctx context.Context, st storage.Storage, r Run) (Run, error) {
	li, ok := st.(storage.LockInspector)
	if !ok {
		return r, nil
	}
	_, held, err := li.LockHolder(ctx, r.Key)
	if err != nil || held {
		return r, err
	}
	m, err := record.Head(ctx, st, r.Key)
	if err != nil {
		return r, nil // gone or replaced meanwhile: as listed
	}
	now, ok := RunOf(m)
	switch {
	case !ok:
		return r, nil
	case now.Status == RunRunning && now.Started.Equal(r.Started) && now.PID == r.PID && now.Host == r.Host:
		now.Status = RunHolderGone
	}
	return now, nil
}

// Step is one finished step of a named run: a record one of its tasks
// wrote (label flow_run_id: the run's id, or for its subflows the id
// followed by "/").
type Step struct {
	Key     string    `json:"key"`
	Task    string    `json:"task"`
	Run     string    `json:"task_run"` // the task run's name: "square-3"
	FlowRun string    `json:"flow_run"` // the run's id, or a subflow's
	Created time.Time `json:"created"`
	Size    int64     `json:"object_size"`
}

// RunSteps yields the steps of named run id, in key order: every record in
// st whose flow_run_id is id or a subflow's of it, but the run's own
// records. It reads every record's header (one pass over the store, as
// `results ls -flow-run`) and holds none.
func RunSteps(ctx context.Context, st storage.Storage, id string, workers int, looked func()) iter.Seq2[Step, error] {
	return func(yield func(Step, error) bool) {
		for e, err := range List(ctx, st, ListOptions{FlowRun: id, Workers: workers, Looked: looked}) {
			if err != nil {
				yield(Step{}, err)
				return
			}
			if _, ok := RunOf(e.Meta); ok {
				continue
			}
			m := e.Meta
			s := Step{Key: e.Key, Task: m.Task, Run: m.Labels["task_run_name"], FlowRun: m.Labels[labelFlowRunID], Created: m.Created, Size: e.ObjectSize}
			if !yield(s, nil) {
				return
			}
		}
	}
}

// ParseRunStatus reads a status as a user writes it: its name in any case,
// or "gone" for RunHolderGone.
func ParseRunStatus(s string) (RunStatus, error) {
	for _, st := range Statuses {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	if strings.EqualFold(s, "gone") || strings.EqualFold(s, "holder-gone") {
		return RunHolderGone, nil
	}
	return "", fmt.Errorf("unknown run status %q (want running, gone, completed or failed)", s)
}
