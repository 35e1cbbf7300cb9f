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

// The lazy key (taskKey, then on a miss trackParams and withParams, from
// the parameter hashes the miss's second pass over the inputs kept) is the key and the
// manifest the eager one made, for every policy, in and outside flows, and
// again from a reused (pooled) hasher.
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
			wantKey, wantMan := eagerKey(t, inv, cfg, fr, &tr)
			for pass := range 2 {
				key, reuse, man, kh, err := taskKey(context.Background(), new(inv.keyIn()), &cfg, &p, fr, &tr)
				if err != nil || !reuse {
					t.Fatalf("%q: %v, reuse %v", policy, err, reuse)
				}
				if man.Params != nil {
					t.Errorf("%q: a lookup's manifest has parameter hashes", policy)
				}
				if kh != nil {
					if err := kh.trackParams(inv.Inputs, kp.excluded); err != nil {
						t.Fatal(err)
					}
				}
				man = withParams(man, kh)
				kh.release()
				if key != wantKey || !reflect.DeepEqual(man, wantMan) {
					t.Errorf("%q in flow %v, pass %d:\nkey %s %+v\nwant %s %+v", policy, fr != nil, pass, key, man, wantKey, wantMan)
				}
			}
		}
	}
}

// Computing a cache-policy key allocates little: the policy is parsed once,
// and the parameters' own hashes are made only on a miss.
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
		_, _, _, kh, err := taskKey(context.Background(), new(inv.keyIn()), &Config{}, &p, flow, &tr)
		if err != nil {
			t.Fatal(err)
		}
		kh.release()
	})
	// the inputs' Hasher and its SHA-256, their hex sum, the key's hex
	if allocs > 6 {
		t.Errorf("a cache-policy key makes %v allocations, want at most 6", allocs)
	}
}

// A miss's second pass over the inputs (trackParams) also hashes each
// parameter on its own, and a reused keyHasher (as the pool hands out)
// resets what it kept: each parameter's hash is the first 16 hex digits of
// the SHA-256 of its value's encoding alone (what a Hasher without Param
// calls makes), and the inputs' hash, of the lookup's pass and of the
// miss's, is what a Hasher that tracks nothing makes, whatever the hasher
// hashed before.
func TestKeyHasherTracksParamsOnMiss(t *testing.T) {
	own := func(write func(h *Hasher) error) string {
		h := newHasher(nil)
		if err := write(h); err != nil {
			t.Fatal(err)
		}
		return h.sum()[:16]
	}
	str := func(s string) func(*Hasher) error { return func(h *Hasher) error { h.String(s); return nil } }
	num := func(n int64) func(*Hasher) error { return func(h *Hasher) error { h.Int(n); return nil } }
	rows := func(h *Hasher) error { return h.Value([]map[string]int{{"a": 1, "b": 2}}) }
	type param struct {
		name  string
		write func(*Hasher) error
	}
	cases := []struct {
		params  []param
		exclude map[string]bool
	}{
		{[]param{{"name", str("world")}, {"n", num(42)}, {"rows", rows}}, nil},
		{[]param{{"n", num(7)}}, nil},
		{[]param{{"name", str("x")}, {"n", num(1)}, {"rows", rows}}, map[string]bool{"n": true}},
		{nil, nil},
		{[]param{{"name", str("world")}, {"n", num(42)}, {"rows", rows}}, nil},
	}
	kh := new(keyHasher) // reused across the cases
	kh.in.setHash(sha256.New())
	for i, c := range cases {
		inputs := func(h *Hasher) error {
			for _, p := range c.params {
				if h.Param(p.name) {
					if err := p.write(h); err != nil {
						return err
					}
				}
			}
			return nil
		}
		plain := newHasher(c.exclude)
		if err := inputs(plain); err != nil {
			t.Fatal(err)
		}
		h := kh.inputs(c.exclude) // the lookup's pass
		if err := inputs(h); err != nil {
			t.Fatal(err)
		}
		if got, want := hexString(h.h.Sum(nil)), plain.sum(); got != want {
			t.Errorf("case %d: inputs hash %s, want %s", i, got, want)
		}
		if got := h.paramSums(); len(got) > 0 {
			t.Errorf("case %d: the lookup's pass kept parameter hashes %+v", i, got)
		}
		if err := kh.trackParams(inputs, c.exclude); err != nil { // the miss's
			t.Fatal(err)
		}
		if got, want := hexString(h.h.Sum(nil)), plain.sum(); got != want {
			t.Errorf("case %d: inputs hash of the second pass %s, want %s", i, got, want)
		}
		var want []record.ParamSum
		for _, p := range c.params {
			if c.exclude[p.name] {
				want = append(want, record.ParamSum{Name: p.name, Excluded: true})
				continue
			}
			want = append(want, record.ParamSum{Name: p.name, Hash: own(p.write)})
		}
		if got := h.paramSums(); !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Errorf("case %d: params %+v, want %+v", i, got, want)
		}
	}
}
