package runtime

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// WithExplain makes a cache miss say what changed since the task's most
// recent record (State.CacheReason): "parameter n changed", "code changed:
// func normalize (pipeline/clean.go:42)", "result type changed: field
// Total added". It overrides RESULTGEN_EXPLAIN_MISSES.
//
// To find that record without listing the store, each commit of a task
// also writes one small index object, ".index/<hash of Def.Func>" in the
// task's store, holding the new record's header (key manifest, result
// type, key, created). That is one extra Put per commit, and one Get per
// miss; with explain off (the default) neither happens, and records are
// the same either way. The index is never a record: storage.ValidateKey
// refuses ".index" as a key and List skips it.
func WithExplain(on bool) EngineOption {
	return func(e *Engine) { e.explain, e.explainSet = on, true }
}

// explainMiss adds to why (the lookup's reason) what changed against the
// task's most recent record in the store; why is returned as it is when
// nothing can be told.
func explainMiss(ctx context.Context, s *slot, cur record.Meta, why string) string {
	prev, err := record.ReadIndex(ctx, s.p.store, s.def.Func)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return why + "; no earlier record of " + s.task + " to compare with"
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
