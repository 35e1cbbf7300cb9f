package runtime

import (
	"context"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/internal/rules"
)

// flowRun is one flow run, shared by its attempts.
type flowRun struct {
	eng      *Engine
	parent   *flowRun
	id       string
	name     string
	flowName string
	retries  int
	// start is when the run started (its first attempt), in UTC, by the
	// engine's clock: {flow_run.start_time:LAYOUT}.
	start time.Time
	// params renders the flow's parameters for the storage keys of the
	// tasks it calls (Invocation.FlowParameter); paramNames are the flow's
	// parameters, for messages.
	params     func(name string) (string, bool, error)
	paramNames []string
	inherit    rules.Passed // what it passes on; Flow, Retries and RunID are filled in by resolve
	inputHash  string
	inputErr   error
	// durable is the id of the named run this run is, or belongs to (a
	// subflow of a named run); "" for runs with a random id.
	durable string
	// source is the flow's code version (Def.Source), which the records of
	// the tasks of a named run keep (LabelFlowCodeVersion).
	source string
	// resumed counts the task runs of this flow run that were Cached.
	resumed atomic.Int64
	// steps counts the steps of a named run (see LabelRunSteps): on the
	// run's own flowRun, its subflows' steps included; started is when
	// its attempt started. Both only where durable is set.
	steps   atomic.Int64
	started time.Time
	// ahead reads the run's records ahead on the flow's store, and notes
	// the keys its tasks use there; nil when that store does not read
	// ahead (see readAhead). Set before the body runs.
	ahead *readAhead

	counters runCounters // task and subflow run numbers
	plans    planMemo    // resolved settings of the runs it calls

	// claimed: a fingerprint of each key a task of the run used without
	// looking it up (see freshKey), in any attempt
	claimMu   sync.Mutex
	claimed   map[uint64]struct{}
	claimSeed maphash.Seed

	mu       sync.Mutex
	runCount int
	futures  sync.WaitGroup
	// subflowN numbers the subflow runs of the current attempt by flow
	// name (reset when an attempt starts), so that a retry calls its
	// subflows by the numbers the first attempt did; finished keeps the
	// States of the subflow runs that completed, by name, number and
	// inputs, so that a retry of this flow does not run them again
	// (seed 000's engine: a finished child flow is not re-run).
	subflowN map[string]int
	finished map[string]any
}

// nextSubflow numbers a run of subflow name in the current attempt.
func (f *flowRun) nextSubflow(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subflowN == nil {
		f.subflowN = map[string]int{}
	}
	f.subflowN[name]++
	return f.subflowN[name]
}

// setAttempt starts attempt n: RunCount, and subflow numbers from 1.
func (f *flowRun) setAttempt(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runCount = n
	clear(f.subflowN)
}

// claim records that a task of the run uses key, and
// reports whether it is the first to: a second use of the key (or of one
// with the same fingerprint) looks it up (see freshKey).
func (f *flowRun) claim(key string) bool {
	f.claimMu.Lock()
	defer f.claimMu.Unlock()
	if f.claimed == nil {
		f.claimed, f.claimSeed = map[uint64]struct{}{}, maphash.MakeSeed()
	}
	h := maphash.String(f.claimSeed, key)
	if _, ok := f.claimed[h]; ok {
		return false
	}
	f.claimed[h] = struct{}{}
	return true
}

// finishedSubflow returns the State of a subflow run an earlier attempt
// completed under key, or nil.
func (f *flowRun) finishedSubflow(key string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finished[key]
}

// subflowDone keeps a completed subflow run's State under key.
func (f *flowRun) subflowDone(key string, st any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finished == nil {
		f.finished = map[string]any{}
	}
	f.finished[key] = st
}

func (f *flowRun) info() FlowRunInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return FlowRunInfo{ID: f.id, Name: f.name, FlowName: f.flowName, RunCount: f.runCount}
}

// stepDone counts a finished step of named run f, on the run's own
// flowRun (f, or the subflow's nearest ancestor that is not a subflow of
// the run).
func (f *flowRun) stepDone() {
	for f.parent != nil && f.parent.durable == f.durable {
		f = f.parent
	}
	f.steps.Add(1)
}

func (f *flowRun) nextTaskNumber(task string) int { return f.counters.next(task) }

type flowRunKey struct{}
type taskRunKey struct{}

// taskRun is one task run; RunCount changes between attempts. Its ID (a
// random UUID) and Name ("Task-3") are made on first use: a run that
// persists nothing and that no one asks about never draws them. It takes
// no lock, and is small: every task run allocates one (see taskCtx).
type taskRun struct {
	n     int32        // the run's number among the task's runs (Name)
	retry atomic.Int32 // RunCount-1: 0 on the first attempt, which stores nothing
	task  string       // TaskName
	ids   atomic.Pointer[taskRunIDs]
}

// taskRunIDs is a task run's ID and Name, made once, and its MapIndex+1
// (0: not started by Map). A run of Map makes them as it starts (mapped);
// keeping the index here rather than in taskRun keeps every other run's
// taskRun, which each run allocates, at 32 bytes (P1: a 40-byte one cost
// some 70 instructions a run, callgrind, BenchmarkCall/unpersisted).
type taskRunIDs struct {
	id, name string
	index    int32
}

func (t *taskRun) init(task string, n int) {
	t.task, t.n = task, int32(n)
}

func (t *taskRun) get() TaskRunInfo {
	ids := t.ids.Load()
	if ids == nil {
		ids = &taskRunIDs{id: uuid.NewString(), name: t.task + "-" + strconv.Itoa(int(t.n))}
		if !t.ids.CompareAndSwap(nil, ids) {
			ids = t.ids.Load() // another caller made them first
		}
	}
	return TaskRunInfo{ID: ids.id, Name: ids.name, TaskName: t.task, RunCount: t.runCount(), MapIndex: int(ids.index) - 1}
}

func (t *taskRun) setCount(n int) { t.retry.Store(int32(n - 1)) }

// runCount is the attempt the run is on (RunCount).
func (t *taskRun) runCount() int { return int(t.retry.Load()) + 1 }

// mapped marks t as run index of a Map call (index >= 0).
func (t *taskRun) mapped(index int) {
	t.ids.Store(&taskRunIDs{id: uuid.NewString(), name: t.task + "-" + strconv.Itoa(int(t.n)), index: int32(index) + 1})
}

// taskCtx is the context a task run's body gets: its parent with the task
// run under taskRunKey (context.WithValue's behaviour, holding the task
// run itself: one allocation for both, or none of its own inside a
// taskFrame).
type taskCtx struct {
	context.Context
	run taskRun
}

func (c *taskCtx) Value(key any) any {
	if _, ok := key.(taskRunKey); ok {
		return &c.run
	}
	return c.Context.Value(key)
}

func flowFrom(ctx context.Context) *flowRun {
	f, _ := ctx.Value(flowRunKey{}).(*flowRun)
	return f
}

// FlowRunFrom returns the flow run ctx runs in: inside a flow body, and in
// the tasks it calls.
func FlowRunFrom(ctx context.Context) (FlowRunInfo, bool) {
	f := flowFrom(ctx)
	if f == nil {
		return FlowRunInfo{}, false
	}
	return f.info(), true
}

// TaskRunFrom returns the task run ctx runs in: inside a task body.
func TaskRunFrom(ctx context.Context) (TaskRunInfo, bool) {
	t, _ := ctx.Value(taskRunKey{}).(*taskRun)
	if t == nil {
		return TaskRunInfo{}, false
	}
	return t.get(), true
}

// runName returns a human name such as "brave-otter".
func runName() string {
	return adjectives[rand.IntN(len(adjectives))] + "-" + animals[rand.IntN(len(animals))]
}

var adjectives = []string{
	"agile", "amber", "ancient", "bold", "brave", "bright", "brisk", "calm", "clever", "cosmic",
	"crimson", "curious", "daring", "dazzling", "eager", "elegant", "fearless", "fierce", "gentle", "gilded",
	"glowing", "graceful", "happy", "hardy", "humble", "industrious", "jolly", "keen", "kind", "lively",
	"lucky", "merry", "mighty", "nimble", "noble", "patient", "polite", "proud", "quick", "quiet",
	"radiant", "rapid", "serene", "shiny", "silent", "steady", "swift", "tireless", "vivid", "witty",
}

var animals = []string{
	"albatross", "badger", "beaver", "bison", "cheetah", "cobra", "condor", "coyote", "crane", "dolphin",
	"eagle", "falcon", "ferret", "gazelle", "gecko", "gibbon", "heron", "hyena", "ibis", "jackal",
	"jaguar", "koala", "lemur", "leopard", "lynx", "marmot", "meerkat", "mongoose", "moose", "narwhal",
	"ocelot", "octopus", "orca", "otter", "owl", "panda", "pelican", "puffin", "quail", "raven",
	"salmon", "seal", "sparrow", "stork", "tapir", "tiger", "trout", "walrus", "wombat", "zebra",
}
