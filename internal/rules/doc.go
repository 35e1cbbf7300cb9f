// Package rules is resultgen's vocabulary and its pure rules, in one leaf
// package that does no I/O: the grammar of cache policies, storage specs
// and storage keys, the names of serializers, compressions and isolation
// levels, a run's settings (Config) and how they resolve (Resolve,
// DecidePersist). The directive parser, the model, the findings, the
// generator, review and the runtime all import it, so that each name and
// rule has one definition, and the compile-time half of resultgen (the
// generator, resultvet) links no store: it imports nothing that opens a
// file or a connection.
//
// # Cache policies
//
// ParsePolicy is the one parser of the cache_policy grammar, shared by the
// directive parser (which turns offsets into source positions), the
// runtime (which builds cache keys from the parts) and review.
//
// A policy is "none", or parts joined with '+':
//
//	default          inputs, task_source and run_id
//	inputs           the hash of every parameter
//	inputs-a-b       the hash of every parameter but a and b
//	task_source      the hash of the task's code
//	run_id           the id of the flow run (or of the task run, outside a flow)
//	flow_parameters  the hash of the calling flow's parameters
//
// Each part may be given once: "inputs" at most once in any spelling,
// "default" not beside a part it already includes, and "none" alone. The
// value is taken as written: no spaces are trimmed.
//
// # Storage specs
//
// ParseStorage is the one parser of the storage spec grammar: the value of
// a storage directive, of runtime.Storage and runtime.OpenStorage, of
// RESULTGEN_DEFAULT_RESULT_STORAGE, and of the CLI's -storage flag. The
// directive parser (which adds positions), the settings, the runtime, the
// S3 store and the CLI all parse with it, so a spec valid in one is valid
// in all, and refused everywhere with the same words.
//
// A storage spec is one of:
//
//	""                   the default storage (RESULTGEN_DEFAULT_RESULT_STORAGE, else local)
//	local                the local storage path (RESULTGEN_LOCAL_STORAGE_PATH)
//	local:PATH           a folder; a relative PATH resolves against the working directory
//	memory               an in-memory store, one per engine
//	s3://BUCKET[/PREFIX] an S3 bucket, optionally below a key prefix
//	TYPE/NAME            a storage block: registered in code, or configured (s3/prod)
//
// BUCKET follows the S3 bucket naming rules. PREFIX is a storage key (see
// ValidateKey: no empty, "." or ".." segment, not below .locks/). A block
// TYPE is lowercase letters and digits, with single hyphens between them; a
// NAME is lowercase letters, digits, '.', '_' and '-', starting with a
// letter or digit. Credentials, queries and fragments never belong in a
// spec: S3 credentials come from the standard AWS variables and files.
//
// # Keys
//
// ValidateKey holds the key rules every store enforces; package
// runtime/storage documents them and re-exports them for backends.
// Redact is the one redaction rule for values that may carry a secret.
package rules
