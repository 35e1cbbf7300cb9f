package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
)

// eagerKey is how taskKey made a cache-policy key and its manifest before
// the manifest's parameter hashes became lazy: a map of the parts, hashed
// in sorted order, and a tracking hasher for the parameters.
func eagerKey[R any](t *testing.T, inv Invocation[R], cfg Config, fr *flowRun, tr *taskRun) (string, record.Manifest) {
	pol, err := parsePolicy(cfg.CachePolicy)
	if err != nil {
		t.Fatal(err)
	}
	def := inv.Def
	man := record.Manifest{KeyFrom: "cache_policy", Policy: pol.String()}
	parts := map[string]string{}
	for _, part := range pol.Parts() {
		switch part {
		case rules.PolicyInputs:
			h := newTrackingHasher(pol.Excluded())
			if inv.Inputs != nil {
				if err := inv.Inputs(h); err != nil {
					t.Fatal(err)
				}
			}
			parts[part] = h.sum()
			man.Inputs, man.Params = parts[part], h.paramSums()
		case rules.PolicyTaskSource:
			parts[part] = def.Source
			man.Source, man.Units = def.Source, def.Units
		case rules.PolicyRunID:
			if fr != nil {
				parts[part] = fr.id
			} else {
				parts[part] = tr.get().ID
			}
			man.RunID = parts[part]
		case rules.PolicyFlowParameters:
			if fr != nil {
				parts[part] = fr.inputHash
			}
			man.FlowParameters = parts[part]
		}
	}
	h := sha256.New()
	e := &encoder{w: h}
	e.str("resultgen-cache-key/v1")
	e.str(def.Func)
	names := make([]string, 0, len(parts))
	for k := range parts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		e.str(k)
		e.str(parts[k])
	}
	return hex.EncodeToString(h.Sum(nil)), man
}

// The lazy key (taskKey, then withParams on a miss) is the key and the
// manifest the eager one made, for every policy, in and outside flows.
func TestLazyKeyAgreesWithEager(t *testing.T) {
	inputs := func(h *Hasher) error {
		if h.Param("name") {
			h.String("world")
		}
		if h.Param("n") {
			h.Int(42)
		}
		if h.Param("rows") {
			if err := h.Value([]map[string]int{{"a": 1, "b": 2}}); err != nil {
				return err
			}
		}
		return nil
	}
	def := &Def{Kind: KindTask, Name: "t", Func: "example.com/app.T", Source: "sha256:abc", Units: []string{"u"}, Value: true}
	flow := &flowRun{id: "flow-id", name: "calm-lynx", flowName: "f", inputHash: "feed"}
	for _, policy := range []string{"", "inputs", "inputs-n", "inputs-n-rows", "inputs+task_source", "task_source",
		"run_id", "flow_parameters", "inputs+flow_parameters+run_id+task_source", "default+flow_parameters"} {
		for _, fr := range []*flowRun{nil, flow} {
			cfg := Config{CachePolicy: policy}
			inv := Invocation[int]{Def: def, Inputs: inputs}
			var tr taskRun
			tr.init("t", 1)
			kp, err := newKeyPolicy(policy)
			if err != nil {
				t.Fatal(err)
			}
			p := plan{name: "t", policy: kp} // as resolve makes it
			key, reuse, man, err := taskKey(context.Background(), inv, &cfg, &p, fr, &tr)
			if err != nil || !reuse {
				t.Fatalf("%q: %v, reuse %v", policy, err, reuse)
			}
			if man.Params != nil {
				t.Errorf("%q: a lookup's manifest has parameter hashes", policy)
			}
			if man, err = withParams(inv, &p, man); err != nil {
				t.Fatal(err)
			}
			wantKey, wantMan := eagerKey(t, inv, cfg, fr, &tr)
			if key != wantKey || !reflect.DeepEqual(man, wantMan) {
				t.Errorf("%q in flow %v:\nkey %s %+v\nwant %s %+v", policy, fr != nil, key, man, wantKey, wantMan)
			}
		}
	}
}

// Computing a cache-policy key allocates little: the policy is parsed once,
// and the parameters' own hashes wait for a miss.
func TestPolicyKeyAllocations(t *testing.T) {
	def := &Def{Kind: KindTask, Name: "t", Func: "example.com/app.T", Source: "sha256:abc", Value: true}
	inv := Invocation[int]{Def: def, Inputs: func(h *Hasher) error {
		if h.Param("n") {
			h.Int(42)
		}
		return nil
	}}
	flow := &flowRun{id: "flow-id", name: "calm-lynx", flowName: "f", inputHash: "feed"}
	var tr taskRun
	tr.init("t", 1)
	kp, err := newKeyPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	p := plan{name: "t", policy: kp}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, err := taskKey(context.Background(), inv, &Config{}, &p, flow, &tr); err != nil {
			t.Fatal(err)
		}
	})
	// the inputs' Hasher and its SHA-256, their hex sum, the key's hex
	if allocs > 6 {
		t.Errorf("a cache-policy key makes %v allocations, want at most 6", allocs)
	}
}
