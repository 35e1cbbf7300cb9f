// Package runtime runs the tasks and flows that resultgen's generated
// wrappers describe: it decides whether each result is persisted, where, under
// which key and in which format, reuses stored results instead of running,
// retries, and hands back states and futures.
//
// # How generated code calls it
//
// For each annotated function the generator emits a package-level *Def (the
// directives, the task-source hash, the parameter names) and a thin typed
// shim that builds an Invocation and calls Run (State), Call (Call: the
// value without a State, see Call), Submit or Map (one run per argument
// set, each knowing its index):
//
//	var helloDef = &runtime.Def{Kind: runtime.KindTask, Name: "hello", Value: true, ...}
//
//	// helloCall is one call's arguments (Args): they hash themselves
//	// and call the function.
//	type helloCall struct{ name string }
//
//	func (c helloCall) Inputs(h *runtime.Hasher) error {
//		if h.Param("name") {
//			h.String(c.name)
//		}
//		return nil
//	}
//
//	func (c helloCall) Body(ctx context.Context) (string, error) { return Hello(ctx, c.name) }
//
//	func (t HelloTask) State(ctx context.Context, name string) *runtime.State[string] {
//		return runtime.Run(ctx, runtime.Invocation[string]{
//			Def:     helloDef,
//			Options: t.opts,
//			Args:    helloCall{name: name},
//			StorageKey: func(k runtime.KeyContext) (string, error) {
//				return "hello-" + runtime.KeyValue(name) + ".json", nil
//			},
//		})
//	}
//
// Hand-written invocations may set Inputs and Body (closures) instead of
// Args; a function without parameters has a Body and no Args.
//
// Functions that return nothing or only an error use R = Void and
// Def.Value = false.
//
// # Engines
//
// Runs use the Engine of their context (WithEngine), else the process-wide
// default engine built on first use from settings.Load(). An engine owns the
// stores it opened, the blocks registered in code (RegisterStorage), the
// Submit concurrency limit, the logger and the clock.
//
// # When a result is persisted
//
// The first rule that applies decides (the same rules resultgen review
// runs, from internal/rules), and State.PersistReason names it:
//
//  1. persist set explicitly: persist=false always wins;
//  2. inferred from the function's own settings: storage, storage_key,
//     serializer, cache_policy (not "none"), cache_key_fn, or
//     cache_in_memory=false;
//  3. inherited from the calling flow, when that flow set persist, storage or
//     serializer (or inherited them itself): the flow's resolved persist;
//  4. the calling flow has retries, or runs as a named run (RunID), and
//     the task returns a value, so a retry or a new attempt of the flow
//     resumes instead of recomputing;
//  5. RESULTGEN_RESULTS_PERSIST_BY_DEFAULT.
//
// A flow's retries alone do not persist the flow's own result. Storage,
// serializer (with its compression) and cache_in_memory resolve the same way:
// the function's own setting, else the calling flow's, else the settings,
// else the defaults (local storage, msgpack, in memory); a cache_in_memory=false
// inherited from a flow drops only results that are persisted. Retries are
// never inherited.
//
// These rules are one pure function (internal/rules.Resolve): a function's
// own settings (Def, Config), what the calling flow passes on and the global
// settings give the effective settings and where each came from. The engine
// calls it for every run, then opens the storage and serializer;
// `resultgen review` calls it on the Def and Config the generator emits for
// each directive (FuncOf and ConfigOf in internal/model), so the two cannot
// disagree. Reasons name flows by their run name (Def.Name or the name
// option, as in the logs); an inherited persist, storage or serializer names
// the flow that set it, even through a subflow that only passed it on.
//
// # Storage specs
//
// "local" (settings.LocalStoragePath), "local:PATH" (relative to the working
// directory), "memory" (one store per engine), "s3://BUCKET/PREFIX", or a block
// slug "TYPE/NAME": a block registered in code, else one configured in
// config.toml. Each store is opened once per engine.
//
// # Keys and the cache
//
// A persisted task result is stored under
//
//   - the rendered storage-key template, when the task has one (values
//     substituted into it are escaped by KeyValue);
//   - else the string of its cache_key_fn;
//   - else the hex SHA-256 of its cache policy's parts: "inputs" (the
//     Hasher's digest of the parameters, minus those dropped by
//     "inputs-NAME"), "task_source" (Def.Source: the task's code version,
//     which covers its declaration and, transitively, every function,
//     method, type (with its methods), var and const of the module that it
//     references, comments and layout left out, plus the path@version of
//     the other modules it uses and std@go<go.mod version>; the generator
//     package documents the rule, and resultgen review -format json lists
//     what each task's hash covers), "run_id" (the flow run id, or the task
//     run id outside a flow), "flow_parameters" (the digest of
//     the calling flow's parameters); the default is
//     inputs+task_source+run_id, and the function's import path is always
//     part of the hash;
//   - with policy "none", a random key.
//
// Unless the policy is "none" or the cache is refreshed (refresh_cache, or
// RESULTGEN_TASKS_REFRESH_CACHE), a committed, unexpired record at the key is
// loaded without running the body: the state is "Cached". A new result is
// written only if the key is still free, so of concurrent runs the first to
// commit wins and the others return its value; refreshing, or replacing an
// expired or corrupt record, overwrites. cache_expiration sets the record's
// expiration to its creation time (by the engine's clock) plus the duration.
// Flow results are stored under a random key and never looked up, except
// the result of a named run (see Durable runs).
//
// Every task record keeps its key manifest in its header (record.Manifest):
// the key rule, the resolved policy, each parameter's name and a short hash
// of its value (never the value), the code version with the declarations
// it covers (Def.Units), the run id and the flow-parameters digest. With
// WithExplain (or RESULTGEN_EXPLAIN_MISSES), and by default whenever the
// engine's logger takes DEBUG, a commit also writes the task's index object
// (".index/...", see record.WriteIndex) and a miss compares against it, so
// State.CacheReason and the run's log line name what changed. A hit refreshes the
// record's last use (storage.Toucher) at most once per TouchEvery, for
// `resultgen results prune -max-size`.
//
// Verify mode (VerifyHits, RESULTGEN_VERIFY_HITS) runs the body on a
// fraction of the hits too, drawn at random, and compares the fresh value
// with the cached one as the task's serializer encodes them (a difference
// in bytes is confirmed on the decoded values, record.DiffValues, so map
// order does not count). A difference, or a body that fails, is one WARN
// naming the task, the key and the first differing field; the run returns
// the cached value, state Cached, and writes nothing. It finds tasks whose
// value depends on what the key does not cover: the clock, the
// environment, files, the network.
//
// Isolation "serializable" makes runs of one key wait for each other (in the
// process, and across processes on stores that implement storage.Locker)
// and re-check the cache once they hold the lock, so a key is computed once.
// A run that has waited for another process for WithLockWaitNotice (3s)
// says so once at WARN, naming the holder (pid, host, since when); one
// that waits longer than RESULTGEN_LOCK_WAIT_TIMEOUT (WithLockWaitTimeout;
// no limit by default) fails with ErrLockTimeout, naming the holder,
// before its body runs. Named flow runs wait for their run's lock the same
// way.
//
// Every storage_key and cache_key_fn key is checked (storage.CheckKey: the
// key rules, and what the task's store can hold) before the body runs.
//
// # Flows
//
// A flow run has an id (a UUID, or the id given with RunID), a name
// ("brave-otter", or that id), its flow name and a run count; FlowRunFrom reads it from a context inside the flow.
// Tasks and flows called with that context belong to it. A flow retry re-runs
// the body under the same flow run id, so with the default cache policy the
// tasks that already completed (and were persisted) are loaded, not re-run. A
// flow waits for the futures submitted inside it before it finishes.
//
// # Flows on S3
//
// On a store where every read is a round trip (storage.ReadAheader: S3), a
// flow run reads its tasks' records ahead. A flow run that succeeds leaves
// in the flow's store the flow's steps index, ".index/steps-<hash of the
// flow's function>": the keys its tasks read or wrote there in the order
// they first did (keys a later run computes again: not keyed on run_id or
// a flow_run field), with the flow's code version and parameters digest.
// The next run of the flow with the same code version and parameters reads
// it (one GET) before the body runs and fetches those records in the
// background, s3.Config.ReadAhead GETs at a time (16 by default); a task's
// lookup takes its record from there instead of making its own request.
// A record read ahead is served only when it passes every check a direct
// read makes (integrity, task, result type, code version, expiry, a named
// run's checks), and only once; anything else, and the task reads its key
// itself, so reading ahead changes no outcome but how fast a hit comes: a
// hit served from it is the record the key held when the flow run started.
//
// Where the store's listing tells what an object holds (S3 without
// server-side encryption: the ETag of a record is its MD5), the index also
// packs the records themselves (16 MiB at most), and the next run reads
// them in that one GET. It checks them with one listing of the keys'
// common folder: a packed record is taken only when its key's object, as
// listed, holds exactly its bytes; a key removed or rewritten since (by
// `resultgen results rm`, prune, a lifecycle rule, another run) is read by
// GET or found absent, as without a pack. The listing stops after the
// pack's size plus 1,000 objects (a folder crowded with other records);
// the keys it did not reach are read by GET.
//
// The index is a hint, one object per flow function, written without
// fsync when the run used other keys than it lists or wrote new records;
// List and `resultgen results` never show it. Writes are not deferred: a
// task call returns after its record is committed, as on any store.
//
// # Durable runs
//
// RunID names a flow run: the id replaces the UUID and the generated name,
// so the default cache policy's run_id part is the same in every attempt of
// the run, in any process, and tasks that return a value persist in it
// (rule 4 above). With an id, a flow run:
//
//  1. validates it as one storage-key segment (ValidateRunID);
//  2. looks for the run's record at RunKey(flow, id), ".runs/FLOW/ID" in
//     the flow's storage; a record of the flow's result type is returned
//     with state Cached, without running the body or reading a task's
//     record, provided its label flow_parameters holds the digest of this
//     call's parameters (else ErrRunParameters; another flow's record under
//     that name and id is an error too);
//  3. otherwise takes the run's lock on that key (the in-process lock, then
//     the store's Locker: a file lock, or an S3 lease renewed every
//     RESULTGEN_LEASE_TTL/3 and taken over when it expires, or at once
//     when its holder crashed on this machine) and looks again (the
//     process it waited for may have finished the run);
//  4. compares the flow's code version (Def.Source) with the one an
//     earlier attempt recorded there: when they differ the run fails with
//     ErrRunCodeChanged, naming both, unless ResumeAcrossVersions is given;
//     else it records the current one and the attempt's status (a literal
//     record with labels run_record "started", code_version, run_started,
//     run_host, run_pid and run_boot) and runs the body: the tasks that
//     finished in an earlier attempt are loaded (State.Resumed counts the
//     task runs that were Cached), the rest run;
//  5. on success writes the run's record (labels flow_run_id, flow_run_name,
//     flow_parameters, run_record "true", code_version, the attempt's
//     status and run_steps) over it, even when the flow persists nothing
//     else, and releases the lock; on failure it rewrites the start record
//     with run_status "Failed", the redacted error (run_error) and
//     run_steps, so the run still resumes (see LabelRunStatus; `resultgen
//     results runs` lists runs by status).
//
// The task records of a named run (and of its subflows) carry the labels
// code_version (the task's Def.Source), flow_code_version (the flow
// run's) and inputs (the digest of the task's parameters). A record the run
// wrote is reused only when the task's code version is the one that wrote
// it, whatever the task's key is made of; one written under another code
// version of the flow (after ResumeAcrossVersions) only when the task's
// code version and inputs both match. State.CodeVersion reports the code
// version that produced a value: a finished run returned by id reports the
// flow code that ran it.
//
// NewRun skips step 2 and the finished-run check after the lock: the body
// runs again and its result replaces the record (step 4 still compares the
// code version the finished run recorded). Keys under RunsPrefix are reserved:
// a storage_key or cache_key_fn key there is an error. A subflow of a named
// run gets the id "ID/FLOW-N" (N counts the subflow's calls in the
// attempt), and keeps its result, even when it persists nothing else, at a
// key made of its function, code version, parameters and id: a later
// attempt, in any process, loads it (state Cached, counted by Resumed)
// instead of running the subflow again. Outside named runs, a retry of a
// flow does not run again a subflow an earlier attempt of the same flow run
// completed with the same parameters: the call returns that run's State.
// `resultgen results ls -flow-run ID` lists a run's records, and
// `results rm -flow-run ID` forgets the run.
//
// # Transactions
//
// Transaction runs a function whose task runs (made with the context it
// gets, in flows and subflows too) stage their records: each is written
// at its own key with the label LabelTxn (the transaction's id), after
// the store's pending marker (".txn/pending/ID", package
// internal/txnstore) lists its key. A run outside the transaction that
// reads such a record asks whether the marker is still there (once per
// transaction and store: the engine remembers a commit) and, while it is,
// treats the record as absent: it computes the key itself and may
// overwrite it. Runs inside the transaction are served its records.
//
// When the function returns nil, the commit writes the key markers of
// keyed transactions (TxnKey, ".txn/keys/KEY", naming the transaction)
// and deletes the pending marker of each store it staged in: one atomic
// delete per store, after which all of the transaction's records there
// are visible at once; then the on_commit hooks (Invocation.OnCommit) of
// its completed task runs run, oldest first. When it returns an error
// or panics, the records still labelled with the transaction are
// deleted, then its markers, and the on_rollback hooks of its completed
// task runs run, newest first, each with its run's typed value. A Cached
// run joins no hook: it has nothing to undo. A nested Transaction hands
// its records and hooks to the outer one when it succeeds and undoes only
// its own when it fails.
//
// A key marker counts only once its transaction's pending marker is gone,
// so a keyed transaction is committed exactly when its records are
// visible. A transaction whose process died leaves its records invisible;
// the first transaction of an engine to stage in that store, and
// `resultgen results prune -tmp`, remove them (only those still labelled
// with it), then its markers, once its process is provably gone or its
// marker went unwritten for a day. An isolation=serializable task run in
// a transaction keeps its key's lock until the transaction ends.
//
// # States
//
// Run returns the final *State: "Completed", "Cached" or "Failed". A failed
// state carries the body's own error, unchanged (errors.Is works), or a
// *PanicError with the panic value and stack. With cache_in_memory=false the
// value is dropped once persisted and State.Result reads it back from storage
// on each call; if it was not persisted either, Result returns an error
// wrapping ErrResultUnavailable.
//
// State.Data is the result object behind a state, a *Result: Unpersisted
// (memory only), Literal (a bool or nil kept inline in its record) or
// Persisted (a reference to a record). Its Get loads a persisted value on
// first use and keeps it, unless cache_in_memory=false. Reference opens a
// stored result by key, from any process, later.
//
// Runs log through log/slog, quietly by default: the engine passes the
// handler of slog.Default() only the records at or above
// RESULTGEN_LOGGING_LEVEL (default WARNING; see runtime/settings), so a
// successful run prints nothing. WARN: "task NAME: retrying" (attempt,
// delay, error), "task NAME: verify: ..." (verify mode: key, field and
// difference, or error). INFO: one line per run when it finishes,
// "task NAME: Completed" or "Cached" (flows: "flow NAME: ..."), with the run
// name, the calling flow run, the location of a persisted result, the
// persist reason and the run id. DEBUG adds "task NAME: started" and a
// failed run's "task NAME: Failed" with its error. A failure is reported
// once, by the error the run returns: the runtime never logs it at WARN or
// ERROR as well. A logger given with WithLogger gets every record,
// unfiltered by the setting.
//
// # Traces and metrics
//
// Runs report to OpenTelemetry through its API only: each flow run and
// each task run is a span ("flow NAME", "task NAME"), a child of the span
// in its context, and runs count and time themselves in the instruments
// WithMeterProvider lists (resultgen.task.runs, resultgen.cache.lookups,
// resultgen.task.duration, ...). The attributes say what a user filters
// on: the task or flow and its package-qualified function, the state, the
// cache outcome and the reason for a miss, the store (redacted), the key
// (or its hash when it may hold a parameter's value), the serializer, the
// bytes read or written, the attempts and the run ids; WithTracerProvider
// lists them. A failed run records its error on its span. A named run
// keeps its span's traceparent in the record of its start
// (LabelTraceParent), so the attempt that resumes it links to it.
//
// The providers come from WithTracerProvider and WithMeterProvider, else
// from otel's global ones; the runtime never imports the SDK or an
// exporter. Until the program sets a provider, a run builds no span, no
// attribute and no measurement: an unpersisted Call still allocates once.
package runtime
