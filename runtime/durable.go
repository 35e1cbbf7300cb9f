package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// RunsPrefix is the first key segment of the records of named flow runs:
// the result of run ID of flow NAME is kept at ".runs/NAME/ID" in the
// flow's storage. Task storage keys and cache_key_fn keys may not start
// with it, so a run's record never meets a user's key.
const RunsPrefix = ".runs"

// Labels of a named run's record, beside flow_run_id and flow_run_name.
const (
	// LabelFlowParameters holds the digest of the run's parameters (the
	// Hasher's, as for the flow_parameters cache policy).
	LabelFlowParameters = "flow_parameters"
	// LabelRunRecord is "true" on the record that holds a named run's result.
	LabelRunRecord = "run_record"
)

// ErrRunParameters is wrapped by the error of a named flow run called with
// other parameters than the run that finished under its id.
var ErrRunParameters = errors.New("the named run finished with other parameters")

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

// reservedKey reports an error when a user's key falls under RunsPrefix.
func reservedKey(key string) error {
	if key == RunsPrefix || strings.HasPrefix(key, RunsPrefix+"/") {
		return fmt.Errorf("storage: invalid key %q: %q is reserved for the records of named flow runs", storage.ShortKey(key), RunsPrefix+"/")
	}
	return nil
}

// finishedRun looks for the record of the finished named run at sl's key:
// found reports a record to return; an error when the record belongs to
// another flow, or holds other parameters than hash.
func finishedRun[R any](ctx context.Context, sl *slot, id, hash string) (v R, m record.Meta, found bool, err error) {
	l, m, _, err := load(ctx, sl, &v)
	if err != nil || l != lookupHit {
		return v, m, false, err
	}
	if m.Func != "" && m.Func != sl.def.Func {
		return v, m, false, fmt.Errorf("flow %s: run id %q: %s on %s holds a run of %s, not of %s; give the run another id, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, id, storage.ShortKey(sl.key), sl.p.store, m.Func, sl.def.Func, id)
	}
	if had := m.Labels[LabelFlowParameters]; had != hash {
		return v, m, false, fmt.Errorf("flow %s: %w: run id %q finished on %s with parameters %s, called now with %s; "+
			"use another id, pass runtime.NewRun() to run it again with these, or forget it with `resultgen results rm -flow-run %s`",
			sl.task, ErrRunParameters, id, m.Created.UTC().Format("2006-01-02T15:04:05Z"), short(had), short(hash), id)
	}
	return v, m, true, nil
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
