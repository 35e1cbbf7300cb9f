// Package report holds what a review reports: the effective settings of
// each task and flow (Row), the findings (Finding, Severity and the Check
// names) and the global settings judged with (Defaults). Package review
// names them (review.Row is report.Row) and documents how they are
// computed; the engine behind review, resultvet and the generator fills
// them, so the one definition below is the only field list.
package report

import (
	"go/token"

	"github.com/resultgen/resultgen/internal/rules"
)

// Severity is how bad a finding is.
type Severity string

const (
	// Error: the settings lose data or cannot work; resultgen review exits 1.
	Error Severity = "error"
	// Warning: the settings probably do not do what was meant; resultgen
	// review exits 1 on them only with -strict.
	Warning Severity = "warning"
)

// Check names, the stable identifiers of the kinds of finding (Finding.Check).
const (
	CheckDirective         = "directive"          // a //result: directive does not parse
	CheckPersistOff        = "persist-off"        // persist=false with a setting that needs persisted results
	CheckUnencodable       = "unencodable"        // the serializer cannot encode the result type
	CheckDroppedField      = "dropped-field"      // a struct field the serializer silently drops
	CheckUndecodable       = "undecodable-field"  // an interface-typed field the serializer cannot decode
	CheckKeyParams         = "key-params"         // a storage key that ignores some or all parameters
	CheckKeyConflict       = "key-conflict"       // two tasks write one storage key with different result types
	CheckKeyFnIgnored      = "key-fn-ignored"     // cache_key_fn set beside storage_key, which wins
	CheckSecretInKey       = "secret-in-key"      // a secret-looking parameter in a storage key
	CheckSecretUnencrypted = "secret-unencrypted" // a persisted, unencrypted task with a secret-looking parameter
	CheckRetriesNoStore    = "retries-no-persist" // persist=false on a task called from a flow with retries
	CheckUselessExpiry     = "useless-expiration" // cache_expiration where nothing is looked up
	CheckNeverReadable     = "never-readable"     // persist=false and cache_in_memory=false
	CheckNondeterminism    = "nondeterministic"   // time, randomness or environment read in a cached task
	CheckUnhashable        = "unhashable-input"   // a parameter that is not a value (a func, a lock, a file...) under a policy that hashes inputs
	CheckFlowParam         = "flow-param"         // a storage key reads {flow_run.parameters[NAME]} that a calling flow cannot fill
)

// ReuseRunScoped is Row.Reuse of a persisted task keyed by a cache_policy
// with run_id.
const ReuseRunScoped = "reused only within one flow run (cache_policy has run_id)"

// Finding is one problem, at its position, with a one-line fix.
type Finding struct {
	Pos      token.Position `json:"-"`
	Position string         `json:"position"` // file:line:col (relative to Config.Dir when inside it)
	Severity Severity       `json:"severity"`
	Check    string         `json:"check"`    // one of the Check* names
	Func     string         `json:"function"` // "task Say", "flow Persisting"
	Message  string         `json:"message"`  // lowercase, no trailing period
	Fix      string         `json:"fix"`      // one line
}

// String formats f as "file:line:col: severity: message (fix: ...)".
func (f Finding) String() string {
	return f.Position + ": " + string(f.Severity) + ": " + f.Message + " (fix: " + f.Fix + ")"
}

// Defaults are the global settings in force (runtime/settings), shown in the
// report's header and used where neither a task nor its flow decides.
type Defaults struct {
	PersistByDefault  bool              `json:"persist_by_default"` // RESULTGEN_RESULTS_PERSIST_BY_DEFAULT
	DefaultStorage    string            `json:"default_storage"`    // RESULTGEN_DEFAULT_RESULT_STORAGE ("" = local)
	LocalStoragePath  string            `json:"local_storage_path"` // RESULTGEN_LOCAL_STORAGE_PATH
	DefaultSerializer string            `json:"default_serializer"` // RESULTGEN_RESULTS_DEFAULT_SERIALIZER ("" = msgpack)
	RefreshCache      bool              `json:"refresh_cache"`      // RESULTGEN_TASKS_REFRESH_CACHE
	EncryptResults    bool              `json:"encrypt_results"`    // RESULTGEN_ENCRYPT_RESULTS
	Sources           map[string]string `json:"sources,omitempty"`  // setting name -> env, profile or default
}

// Row is the effective settings of one task or flow: standalone (CalledFrom
// empty), or as called from one flow when that differs from standalone. The
// calling flow may itself be called by flows (CalledVia), whose settings
// reach the function through it, as at run time.
//
// JSON field names are stable; see the package documentation.
type Row struct {
	Package      string `json:"package"`       // import path
	Kind         string `json:"kind"`          // "task" or "flow"
	Func         string `json:"function"`      // Go name
	Name         string `json:"name"`          // run name
	Position     string `json:"position"`      // the function's directive
	CalledFrom   string `json:"called_from"`   // the calling flow's Go name; "" for the standalone row
	CallPosition string `json:"call_position"` // the call in the flow's body; "" for the standalone row
	// CalledVia are the flows above the calling flow, outermost first, by Go
	// name: ["A"] when flow A calls the calling flow; empty when the calling
	// flow runs on its own.
	CalledVia []string `json:"called_via,omitempty"`
	// SameIn lists, on the standalone row, the flows that call the function
	// and leave its settings as they are standalone.
	SameIn []string `json:"same_in"`

	Persisted bool `json:"persisted"`
	// Why is persisted (or not), in words: "persist=false (always wins)",
	// "inferred from storage", "inherited from flow persisting (persist=true)",
	// "flow retrying has retries=2 and the task returns a value",
	// "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=false".
	Why string `json:"why"`
	// WhyKind is the rule that decided: "explicit", "inferred",
	// "inherited", "flow_retries", "durable_run" or "default" (the
	// rules.Persist* constants); WhyFrom is the deciding setting (persist, storage, ...,
	// cache_in_memory, or the global setting's name) or the flow's run name
	// (the flow that set what is inherited).
	WhyKind rules.PersistKind `json:"why_kind"`
	WhyFrom string            `json:"why_from"`

	// Storage is the storage spec written where it is decided ("local",
	// "local:PATH", "memory", "s3://...", a block slug); StorageFrom says
	// where: "task", "flow", "flow NAME" (the run name
	// of the flow that set it), "settings" or "default". Empty when not
	// persisted.
	Storage     string `json:"storage"`
	StorageFrom string `json:"storage_from"`
	// Key is the storage key template, "cache_key_fn NAME", "cache key:
	// POLICY" or "random (flow result)" / "random (cache_policy=none)";
	// KeyKind is "storage_key", "cache_key_fn", "cache_policy" or "random"
	// (the rules.Key* constants).
	// Empty when not persisted.
	Key     string        `json:"key"`
	KeyKind rules.KeyKind `json:"key_kind"`
	// Serializer is the serializer spec ("msgpack", "compressed/json", or
	// a Go identifier), Compression the compression of compressed/*
	// serializers; SerializerFrom is like StorageFrom. Empty when not persisted.
	Serializer     string `json:"serializer"`
	Compression    string `json:"compression"`
	SerializerFrom string `json:"serializer_from"`
	// CachePolicy is the task's effective policy ("inputs+task_source+run_id"
	// by default); CacheExpiration a Go duration, "" for never. Empty for flows.
	CachePolicy     string `json:"cache_policy"`
	CacheExpiration string `json:"cache_expiration"`
	// Reuse says, for a persisted task whose key is its cache_policy with
	// the run_id part (the default policy is), that its records are
	// reused only within one flow run: ReuseRunScoped. Every run of a flow
	// (and every call outside one) gets a new key, so such a task persists
	// a new record each run and never loads one across runs. "" otherwise.
	Reuse string `json:"reuse,omitempty"`
	// InMemory reports whether the value is kept in memory once persisted.
	InMemory bool `json:"in_memory"`
	Retries  int  `json:"retries"`
	// Encrypted reports whether the persisted records are encrypted at
	// rest (internal/record's sealed records); EncryptWhy says what
	// decided: "encrypt=true", "RESULTGEN_ENCRYPT_RESULTS=false" or
	// "flow NAME". Empty when not persisted.
	Encrypted  bool   `json:"encrypted"`
	EncryptWhy string `json:"encrypt_why,omitempty"`
	// CodeVersion is, for a task, its task_source hash (Def.Source) and
	// what the hash covers: the task's own declaration and those of the
	// module it references, transitively, and the other modules it uses
	// (see the generator's "Code version"). Nil for flows and where the
	// dependencies' code is not loaded (the vet analyzer).
	CodeVersion *CodeVersion `json:"code_version,omitempty"`
}

// CodeVersion is what a task's task_source hash (Def.Source) is made of.
type CodeVersion struct {
	// Hash is "sha256:<hex>" of everything Covers lists.
	Hash string `json:"hash"`
	// Covers lists what the hash covers: first the followed declarations by
	// qualified name ("example.com/m/pkg.helper", "example.com/m/pkg.T.M",
	// "example.com/m/pkg.a,b" for a var or const spec declaring several
	// names), then the other modules ("golang.org/x/text@v0.43.0") and the
	// standard library ("std@go1.26"), each part sorted.
	Covers []string `json:"covers"`
	// Units is one line per covered declaration and module, sorted, as in
	// runtime.Def.Units: "KIND NAME HASH POS" ("func normalize 3fa9c1d2e4b5
	// pipeline/clean.go:42"); a module is "module PATH@VERSION".
	Units []string `json:"units,omitempty"`
}
