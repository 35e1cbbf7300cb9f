package runtime

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// WithExplain makes a cache miss say what changed since the task's most
// recent record (State.CacheReason, and the run's log line): "parameter n
// changed", "code changed: func normalize (pipeline/clean.go:42)", "result
// type changed: field Total added", "flow run changed: ... (cache_policy has
// run_id)". It overrides RESULTGEN_EXPLAIN_MISSES. When neither is given,
// misses are explained whenever the engine's logger takes DEBUG records, so
// a user who turns DEBUG on sees why each persisted task missed; below DEBUG
// nothing is computed, read or written for it.
//
// To find that record without listing the store, each commit of a task
// also writes one small index object, ".index/<hash of Def.Func>" in the
// task's store, holding the new record's header (key manifest, result
// type, key, created). That is one extra Put per commit, and one Get per
// miss; with explain off neither happens, and records are the same either
// way. The index is never a record: storage.ValidateKey refuses ".index" as
// a key and List skips it. (So the first explained miss of a task, DEBUG
// having been off before, has no earlier record to compare with; a key
// with the run_id part says so itself.)
func WithExplain(on bool) EngineOption {
	return func(e *Engine) { e.explain, e.explainSet, e.explainDebug = on, true, false }
}

// explaining reports whether a persisted task's miss is explained and its
// commit indexed: explain is on, or, by default, the logger takes DEBUG.
// Runs ask only on a miss of a reusable key, after the lookup.
func (e *Engine) explaining(ctx context.Context) bool {
	return e.explain || e.explainDebug && e.logger.Enabled(ctx, slog.LevelDebug)
}

// runScoped is what an explained miss says of a key with the run_id part
// when nothing else tells why: its records are never loaded across runs.
const runScoped = "the key has the run id (cache_policy has run_id), so its records are reused only within one flow run"

// explainMiss adds to why (the lookup's reason) what changed against the
// task's most recent record in the store; why is returned as it is when
// nothing can be told.
func explainMiss(ctx context.Context, s *slot, cur record.Meta, why string) string {
	prev, err := record.ReadIndex(ctx, s.p.store, s.def.Func)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		why += "; no earlier record of " + s.task + " to compare with"
		if s.p.policy != nil && slices.Contains(s.p.policy.parts, rules.PolicyRunID) {
			why += "; " + runScoped
		}
		return why
	case err != nil:
		s.e.logger.Debug("explain: cannot read the task index", "task", s.task, "error", err)
		return why
	}
	diffs := record.Compare(prev, cur)
	if len(diffs) == 0 {
		if prev.Key == cur.Key {
			return why + "; the task's last record was at this key (" + prev.Created.UTC().Format(time.RFC3339) + "), since removed"
		}
		return why + "; nothing in the key's components changed since the last record " + storage.ShortKey(prev.Key)
	}
	return why + "; since the last record (" + storage.ShortKey(prev.Key) + ", " + prev.Created.UTC().Format(time.RFC3339) + "): " + strings.Join(diffs, "; ")
}
