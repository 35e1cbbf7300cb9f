package rules_test

import (
	"testing"

	"github.com/resultgen/resultgen/internal/rules"
)

// TestDecidePersist walks the rules in order: each row sets what decides and
// something a lower rule would decide differently.
func TestDecidePersist(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		f    rules.PersistFacts
		want rules.PersistDecision
	}{
		{"persist=false beats everything", rules.PersistFacts{Task: true, Persist: &no, StorageKey: true, Flow: "etl", FlowPersist: &yes, ByDefault: true},
			rules.PersistDecision{false, "persist=false (always wins)", "explicit", "persist"}},
		{"persist=true", rules.PersistFacts{Task: true, Persist: &yes, Flow: "etl", FlowPersist: &no},
			rules.PersistDecision{true, "persist=true", "explicit", "persist"}},
		{"storage", rules.PersistFacts{Storage: true, Flow: "etl", FlowPersist: &no},
			rules.PersistDecision{true, "inferred from storage", "inferred", "storage"}},
		{"storage_key on a task", rules.PersistFacts{Task: true, StorageKey: true},
			rules.PersistDecision{true, "inferred from storage_key", "inferred", "storage_key"}},
		{"cache settings do not apply to flows", rules.PersistFacts{StorageKey: true, CachePolicy: true, CacheKeyFn: true},
			rules.PersistDecision{false, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=false", "default", "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"serializer", rules.PersistFacts{Task: true, Serializer: true},
			rules.PersistDecision{true, "inferred from serializer", "inferred", "serializer"}},
		{"cache_policy", rules.PersistFacts{Task: true, CachePolicy: true},
			rules.PersistDecision{true, "inferred from cache_policy", "inferred", "cache_policy"}},
		{"cache_key_fn", rules.PersistFacts{Task: true, CacheKeyFn: true},
			rules.PersistDecision{true, "inferred from cache_key_fn", "inferred", "cache_key_fn"}},
		{"cache_in_memory=false", rules.PersistFacts{InMemoryOff: true},
			rules.PersistDecision{true, "inferred from cache_in_memory=false", "inferred", "cache_in_memory"}},
		{"inherited off from the flow beats flow retries", rules.PersistFacts{Task: true, Value: true, Flow: "etl", FlowPersist: &no, FlowPersistWhy: "persist=false", FlowRetries: 2, ByDefault: true},
			rules.PersistDecision{false, "inherited from flow etl (persist=false)", "inherited", "etl"}},
		{"inherited from the flow's storage", rules.PersistFacts{Task: true, Flow: "etl", FlowPersist: &yes, FlowPersistWhy: "storage=s3/prod"},
			rules.PersistDecision{true, "inherited from flow etl (storage=s3/prod)", "inherited", "etl"}},
		{"flow retries persist a task's value", rules.PersistFacts{Task: true, Value: true, Flow: "etl", FlowRetries: 2},
			rules.PersistDecision{true, "flow etl has retries=2 and the task returns a value", "flow_retries", "etl"}},
		{"flow retries and a task without a value", rules.PersistFacts{Task: true, Flow: "etl", FlowRetries: 2},
			rules.PersistDecision{false, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=false; the task returns nothing to persist", "default", "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"a flow's own retries do not persist it", rules.PersistFacts{Value: true, Retries: 2},
			rules.PersistDecision{false, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=false; retries alone do not persist a flow's result", "default", "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"persist by default", rules.PersistFacts{Task: true, Value: true, ByDefault: true},
			rules.PersistDecision{true, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true", "default", "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"persist by default names its setting before the default storage", rules.PersistFacts{Task: true, Value: true, ByDefault: true, DefaultStorage: "s3/prod"},
			rules.PersistDecision{true, "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true", "default", "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"a named default storage turns persistence on", rules.PersistFacts{Value: true, DefaultStorage: "s3/prod"},
			rules.PersistDecision{true, "RESULTGEN_DEFAULT_RESULT_STORAGE=s3/prod (naming a default storage turns persistence on)", "default", "RESULTGEN_DEFAULT_RESULT_STORAGE"}},
		{"persist=false beats a named default storage", rules.PersistFacts{Task: true, Persist: &no, DefaultStorage: "s3/prod"},
			rules.PersistDecision{false, "persist=false (always wins)", "explicit", "persist"}},
	}
	for _, tt := range tests {
		if got := rules.DecidePersist(tt.f); got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}
