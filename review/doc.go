// Package review answers, without running anything, where each task's and
// flow's result will be stored and when, and finds the //result: settings
// that will lose data, collide or leak. One engine (internal/findings) has
// three front ends: `resultgen review` (this package's Review), the
// resultvet vet tool (Analyzer), and the generator, whose Generate reports
// the same findings, judged with the built-in settings, on the packages it
// loaded anyway.
//
// # Use
//
//	rep, err := review.Review(ctx, review.Config{Dir: dir}, "./...")
//	if err != nil { ... }               // could not load at all
//	review.Write(os.Stdout, rep, review.FormatTable)
//	if rep.Failed(strict) { os.Exit(1) }
//
// or, for go vet and other analysis drivers, review.Analyzer (see
// cmd/resultvet): go vet -vettool=$(which resultvet) ./...
//
// Both work from the syntax and go/types information of a package: the
// directives are parsed with the annotations package, the calls in each
// flow's body are resolved with go/types. A call is a direct call of the
// task function, or a call of its generated wrapper FTask.Call, .State or
// .Submit, through any .WithOptions(...) chain; the wrapper is recognized
// by its type's name, or, when the generated file is missing and the type
// does not exist yet, by the composite literal's syntax. Review loads the
// settings in force (runtime/settings) and follows calls across every
// package it loads; the Analyzer sees one package at a time and judges
// with the built-in defaults.
//
// # Effective settings
//
// Each Row mirrors the run-time rules of package runtime:
//
//   - persistence is decided by, in order: persist (explicit; persist=false
//     always wins); else storage, storage_key, serializer, a cache_policy
//     other than none, cache_key_fn or cache_in_memory=false (inferred); else
//     the calling flow's persist, storage or serializer (inherited); else,
//     for a task that returns a value, the calling flow's retries; else
//     RESULTGEN_RESULTS_PERSIST_BY_DEFAULT. A flow's retries alone do not
//     persist the flow's own result.
//   - storage, serializer, compression and in-memory: the function's own,
//     else the calling flow's, else the global settings.
//   - key: the storage_key template, else "cache_key_fn NAME", else
//     "cache key: POLICY" (default inputs+task_source+run_id); flows and
//     cache_policy=none get a random key.
//   - reuse: a persisted task keyed by a cache_policy with run_id (the
//     default policy has it) says "reused only within one flow run
//     (cache_policy has run_id)": each flow run, and each call outside a
//     flow, gets a new key, so such a task (persisted by
//     serializer=compressed/json or cache_in_memory=false alone, say)
//     writes a new record every run and never loads one across runs.
//     Table and markdown show it in the cache column, JSON in "reuse".
//     cache_policy=inputs+task_source reuses records across runs.
//
// Every row is computed by rules.Resolve, the runtime's own resolver, from
// the Def and Config the generator emits (internal/model.FuncOf, ConfigOf); a
// calling flow is resolved on its own and along every chain of flows that
// calls it (each flow of the chain once, so recursive flows end), from the
// outermost down, and what it passes on (Passed) resolves the callee, as at
// run time: a task called by flow B, which flow A calls, inherits A's
// storage through B when B sets none. Flows are named by their run name in
// why, why_from, storage_from and serializer_from, as at run time;
// called_from, called_via and same_in name the calling flows' Go functions.
//
// A function gets one standalone row, and one row per calling flow (and
// chain of flows above it, called_via, shown as "A > B") whose inheritance
// changes its settings; the flows that, running on their own, change
// nothing are listed in the standalone row's same_in.
//
// # Findings
//
// Every Finding has the position of the directive item or of the call, a
// Check name and a one-line Fix. Errors (Report.Errors; exit 1):
//
//   - persist-off: persist=false with a setting that needs persisted
//     results ("if persistence is needed for a feature, an error is
//     raised", seed 001): a cache_policy other than none, cache_key_fn,
//     storage_key, cache_expiration, refresh_cache=true, storage,
//     serializer, compression or isolation=serializable (a task's own
//     retries do not need it; cache_in_memory=false is never-readable);
//   - unencodable: a result type the serializer cannot encode: channels,
//     funcs and complex numbers under json and msgpack, map keys json
//     cannot encode (not a string, an integer or an encoding.TextMarshaler),
//     top-level channels and funcs under gob, unsafe.Pointer anywhere;
//   - key-conflict: two tasks that write the same storage key (equal
//     literal keys, or templates of equal text, on the same storage
//     directive) with different result types: at run time the second to
//     run fails with runtime.ErrKeyConflict;
//   - unhashable-input: a task parameter that is not a value, under a
//     cache policy that hashes it (no storage_key, no cache_key_fn, not
//     persist=false): funcs, channels, unsafe.Pointer, sync's locks,
//     WaitGroup, Once, Cond, Map and Pool, os.File, net's connections,
//     listeners and interfaces, context.Context, reflect.Value, or
//     anything holding one by value or through a pointer; the fix leaves
//     it out (cache_policy=inputs-NAME+...) or sets a cache_key_fn;
//   - flow-param: a storage_key reading {flow_run.parameters[NAME]}, at
//     NAME, for each flow that calls the task directly and has no
//     parameter NAME, or one whose value cannot be written into a key;
//   - directive: a //result: directive that does not parse, or a line
//     comment that is a mistyped one ("// result:task").
//
// Warnings (exit 1 only with -strict):
//
//   - dropped-field: a struct field the serializer drops silently
//     (unexported, or a chan/func field under gob), unless the type encodes
//     itself (MarshalJSON/MarshalText for json; EncodeMsgpack,
//     MarshalMsgpack, MarshalBinary or MarshalText for msgpack;
//     GobEncode or MarshalBinary for gob) or the field is tagged "-";
//   - undecodable-field: an interface-typed field or result, which cannot
//     be decoded back into its concrete type;
//   - key-params: a storage_key that uses none of the task's parameters
//     (every call shares one result) or omits some (calls that differ only
//     there collide);
//   - key-fn-ignored: cache_key_fn beside a storage_key, which names the
//     record, so the function is never called;
//   - secret-in-key: a parameter (or field) whose name has the word part
//     password, passwd, token, secret, apikey/api_key or key (apiKey,
//     dbPassword, API_TOKEN; not keyboard) in a storage_key, which is
//     stored in plain text in object names;
//   - secret-unencrypted: a task persisted without encryption (standalone
//     or as a flow calls it) with a parameter whose name looks secret, by
//     the same words, that its storage_key does not use: its result and the
//     parameter's hash are stored in the clear (add encrypt=true);
//   - retries-no-persist: persist=false on a task, returning a value, that
//     a flow with retries calls (each retry recomputes it);
//   - useless-expiration: cache_expiration with cache_policy=none and no
//     storage_key or cache_key_fn (nothing is looked up);
//   - never-readable: persist=false and cache_in_memory=false;
//   - nondeterministic: a cached task (storage_key, cache_key_fn or a
//     cache_policy other than none) that reads the clock (time.Now,
//     time.Since, time.Until), randomness (math/rand, math/rand/v2,
//     crypto/rand) or the environment (os.Getenv, os.LookupEnv,
//     os.Environ, os.ExpandEnv), in its body or in a same-package function
//     it calls directly.
//
// The serializer checks run for every serializer a persisted row of the
// function uses, including one inherited from a flow (then at the call);
// custom serializers are not checked.
//
// # Formats
//
// Write prints a Report as "table" (aligned text: the settings in force,
// one table per package, the findings, a count), "markdown" (the same as
// GitHub tables) or "json"; or draws it: "mermaid" (a Mermaid flowchart
// for Markdown) or "dot" (Graphviz), a node per task and flow in a box per
// package, each flow labelled with where its own result goes, and an edge
// from each flow to each task or flow it calls, labelled with that call's
// persistence, storage, serializer and cache policy (a row's CalledVia
// starts the label: "via Outer"). Findings are not drawn. The JSON field
// names are stable:
//
//	{
//	  "defaults": {"persist_by_default", "default_storage", "local_storage_path",
//	               "default_serializer", "refresh_cache", "encrypt_results", "sources": {SETTING: "env"|"profile"|"default"}},
//	  "rows": [{"package", "kind" ("task"|"flow"), "function", "name", "position",
//	            "called_from" ("" standalone), "call_position", "called_via": [...] (omitted when empty), "same_in": [...],
//	            "persisted", "why", "why_kind" ("explicit"|"inferred"|"inherited"|"flow_retries"|"durable_run"|"default"),
//	            "why_from" (setting key, flow run name or global setting name),
//	            "storage", "storage_from" ("task"|"flow"|"flow RUNNAME"|"settings"|"default"),
//	            "key", "key_kind" ("storage_key"|"cache_key_fn"|"cache_policy"|"random"),
//	            "serializer", "compression", "serializer_from",
//	            "cache_policy", "cache_expiration",
//	            "reuse" (omitted when empty: "reused only within one flow run (cache_policy has run_id)"),
//	            "in_memory", "retries",
//	            "encrypted", "encrypt_why" (omitted when empty: "encrypt=true", "RESULTGEN_ENCRYPT_RESULTS=false", "flow RUNNAME"),
//	            "code_version" (tasks only): {"hash" (Def.Source, "sha256:<hex>"),
//	                "covers": ["example.com/m/pkg.helper", "example.com/m/pkg.T.M", ...,
//	                           "golang.org/x/text@v0.43.0", "std@go1.26"]}}],
//	  "findings": [{"position", "severity" ("error"|"warning"), "check", "function", "message", "fix"}],
//	  "errors": N, "warnings": N
//	}
//
// Storage, key and serializer are empty when the row is not persisted.
// code_version is the task's task_source hash and what it covers (the
// generator's package documentation, "Code version", gives the rule).
// Positions are file:line:col, relative to Config.Dir when inside it.
package review
