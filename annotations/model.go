package annotations

// CONTRACT (skeleton): the typed model the parser produces and the generator
// consumes.

import (
	"go/token"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
)

// Kind is a directive's kind.
type Kind uint8

const (
	Task Kind = iota + 1
	Flow
)

func (k Kind) String() string {
	switch k {
	case Task:
		return "task"
	case Flow:
		return "flow"
	}
	return "unknown"
}

// Directive is the parsed, validated //result: directives of one function.
// A nil field was not set.
type Directive struct {
	Func    string    // the function's name
	Kind    Kind      //
	Pos     token.Pos // the first "//result:" comment
	KindPos token.Pos // the "task" or "flow" item

	Name            *String
	Persist         *Bool
	Storage         *Storage
	StorageKey      *Template
	Serializer      *Serializer
	Compression     *String // "zstd", "gzip", "zlib"
	CacheInMemory   *Bool
	CachePolicy     *Policy
	CacheKeyFn      *String // a Go identifier
	CacheExpiration *Duration
	RefreshCache    *Bool
	Isolation       *String // "read_committed", "serializable"
	Retries         *Int
	RetryDelay      *Duration
	Encrypt         *Bool // encrypt persisted results at rest
	// OnCommit and OnRollback name the task's transaction hooks (a Go
	// identifier each; see runtime.Transaction).
	OnCommit   *String
	OnRollback *String
}

// Item is what every value shares: where its key and its value start.
type Item struct {
	Key      string
	Pos      token.Pos // the key's first byte
	ValuePos token.Pos // the value's first byte (the opening quote when quoted); == Pos when bare
}

type String struct {
	Item
	Value string
}

type Bool struct {
	Item
	Value bool
}

type Int struct {
	Item
	Value int
}

type Duration struct {
	Item
	Value time.Duration
}

// Storage is a storage spec.
type Storage struct {
	Item
	Raw    string
	Scheme string // "local", "memory", "s3", "block"
	Path   string // local: the path ("" = default); s3: "BUCKET/PREFIX"; block: "TYPE/NAME"

	// Set for Scheme "s3": the bucket, and the key prefix without leading or
	// trailing slashes ("" for the bucket's root).
	Bucket, Prefix string
	// Set for Scheme "block": the block type and name of a "TYPE/NAME" slug.
	BlockType, BlockName string
}

// Serializer is either a built-in spec or a Go identifier naming a value.
type Serializer struct {
	Item
	Raw        string
	Builtin    string // "msgpack", "json", "gob" ("" when Ident is set)
	Compressed bool   // "compressed/<builtin>"
	Ident      string // custom serializer value's identifier: "name" or "pkg.Name"
}

// Policy is a cache policy: parts joined with '+', and inputs-NAME drops.
type Policy struct {
	Item
	Raw   string
	Parts []string // "default", "none", "inputs", "task_source", "run_id", "flow_parameters"
	Drop  []string // parameter names excluded from inputs
}

func (p *Policy) parsed() rules.Policy {
	return rules.Policy{Written: p.Parts, Drop: p.Drop}
}

// None reports whether p is set and is exactly cache_policy=none.
func (p *Policy) None() bool { return p != nil && p.parsed().None() }

// Hashes reports whether the cache key includes the hash of parameter name.
// A nil Policy is the default policy, which hashes every parameter.
func (p *Policy) Hashes(name string) bool {
	if p == nil {
		return true
	}
	return p.parsed().Hashes(name)
}

// Template is a parsed storage-key template.
type Template struct {
	Item
	Raw   string
	Parts []TemplatePart
}

// TemplatePart is literal text or one {reference}.
type TemplatePart struct {
	Literal string    // set for literal text ("{{" and "}}" already unescaped)
	Ref     *Ref      // set for a reference
	Pos     token.Pos // where the part starts in the source

	// Offset is where the part starts in the template text (the unquoted
	// value), in bytes. ParseTemplate sets only Offset; Parse sets both.
	Offset int
}

// Ref is a template reference: {parameters[NAME].F.G}, {flow_run.id}, ...
type Ref struct {
	Root   string   // "parameters", "flow_run", "task_run"
	Name   string   // parameter name, or the flow_run/task_run field
	Fields []string // .Field chain after parameters[NAME]
	// Arg is the flow parameter's name of {flow_run.parameters[NAME]}, or
	// the Go time layout of {flow_run.start_time:LAYOUT}; "" otherwise.
	Arg string

	// Where Name and each of Fields start: byte offsets in the template text,
	// and source positions (NoPos when the template came from ParseTemplate).
	NameOffset   int
	FieldOffsets []int
	NamePos      token.Pos
	FieldPos     []token.Pos
	ArgOffset    int
	ArgPos       token.Pos
}

// Error is one problem found in the directives, at its exact position.
type Error struct {
	Pos token.Pos
	Msg string // lowercase, no trailing period, names the function
}

func (e Error) Error() string { return e.Msg }
