// Package typeid fingerprints Go types: it writes a canonical description of
// a type's shape, as the serializers see it, and hashes it.
//
// A stored result can only be decoded into the type it was written from, or
// one of the same shape. The generator computes the fingerprint of each
// result type at generate time, from go/types (package typeidtypes); the
// runtime computes it at run time, from reflect (Of, OfReflect), for example
// when Reference[T] reads a result back. The two computations share one
// writer and are tested against each other on a corpus of types, so the same
// type always gets the same fingerprint either way.
//
//	fp := typeid.Of[[]Row]()
//	fp.Canonical() // `[]example.com/app.Row=struct{ID int "msgpack:\"id\""; At time.Time}`
//	fp.Hash()      // "sha256:3f1c…" (64 hex digits)
//
// Package typeid imports only reflect and the standard hashing packages, so
// it is cheap to link into every program; go/types lives in typeidtypes.
//
// # The hash
//
// Hash is "sha256:" followed by the full hex SHA-256 of the description, the
// same form as the task-source hashes the generator writes. It is not shortened: fingerprints are compared, not typed by
// people, and the full digest leaves no room for accidental collisions.
//
// # Grammar
//
// The description reads like Go type syntax, with every named type qualified
// by its full package path and followed, the first time it appears, by "="
// and its underlying type:
//
//	Type       = Basic | Named | "unsafe.Pointer" | Pointer | Slice | Array
//	           | Map | Chan | Func | Interface | Struct | "invalid" .
//	Basic      = "bool" | "int" | "int8" | "int16" | "int32" | "int64"
//	           | "uint" | "uint8" | "uint16" | "uint32" | "uint64" | "uintptr"
//	           | "float32" | "float64" | "complex64" | "complex128" | "string" .
//	Named      = QualName [ "=" Underlying ] .  // "=": first appearance, not opaque
//	QualName   = "error" | PkgPath "." Name [ "[" TypeArgs "]" ] .
//	TypeArgs   = the type arguments as reflect.Type.Name writes them (below) .
//	Underlying = Type .                        // never a Named
//	Pointer    = "*" Type .
//	Slice      = "[]" Type .
//	Array      = "[" Length "]" Type .          // decimal length
//	Map        = "map[" Type "]" Type .
//	Chan       = ( "chan " | "<-chan " | "chan<- " ) Type
//	           | "chan (" RecvChan ")" .        // chan of an unnamed <-chan
//	Func       = "func" Signature .
//	Signature  = "(" [ Param { ", " Param } ] ")" [ Results ] .
//	Param      = Type | "..." Type .            // "..." only on the last one
//	Results    = " " Type | " (" Type { ", " Type } ")" .
//	Interface  = "any" | "interface{" Method { "; " Method } "}" .
//	Method     = [ PkgPath "." ] Name Signature .  // path for unexported names
//	Struct     = "struct{" [ Field { "; " Field } ] "}" .
//	Field      = [ Name " " ] Type [ " " Tag ] .   // no name: embedded
//	Tag        = Go double-quoted string .      // omitted when empty
//
// Details:
//
//   - byte is written uint8 and rune int32, as they are the same types; int
//     and int64 (and uint/uint64, uintptr) are different types and are
//     written differently.
//   - A named type is written as its QualName. The first time it appears in
//     a description it is followed by "=" and its underlying type; every
//     later appearance, including one inside its own underlying type, is the
//     bare QualName, a back-reference to that expansion. That is what makes
//     recursive types (type Node struct{ Next *Node }, mutually recursive
//     types, type Tree []Tree, type F func(F) F) terminate, and keeps the
//     description linear in the size of the type. Types are walked in a fixed
//     order (fields in declaration order, map key before element, parameters
//     before results, methods sorted), so where the expansion falls is
//     deterministic.
//   - PkgPath is the full import path ("net/netip.Addr",
//     "example.com/app.User"); for a package named main it is "main",
//     because that is what the Go runtime reports.
//   - Generic instantiations carry their type arguments in the name, exactly
//     as reflect.Type.Name writes them, e.g.
//     "example.com/app.Pair[int,example.com/app.User]": no space after the
//     comma, full package paths, byte as uint8, "interface {}" for any,
//     and unnamed struct arguments written in full, with every field and
//     complete tags. The expansion that follows is the instantiated
//     underlying type.
//   - Aliases are resolved everywhere (types.Unalias on the go/types side;
//     reflect never sees them), so type A = B describes exactly as B.
//   - The empty interface is "any"; a non-empty interface lists its whole
//     method set (embedded interfaces flattened), exported methods first,
//     then unexported ones, each group sorted by name, as the Go toolchain
//     orders them. "error" is written by name only.
//   - Struct fields are written in declaration order.
//
// # What counts
//
// A fingerprint describes what a serializer needs to decode a value:
//
//   - the kind and size of every basic type;
//   - the name (path and name, with type arguments) of every named type,
//     so renaming a type or moving it to another package changes the
//     fingerprint;
//   - the structure of every named type except the opaque ones below, so
//     adding, removing, renaming, retyping or reordering an exported field of
//     a type nested at any depth changes the fingerprint;
//   - array lengths, map keys and elements, pointer-ness, channel direction,
//     function signatures and interface method sets (functions and channels
//     cannot be serialized, but they are still described, so every type has
//     a fingerprint);
//   - exported struct fields and embedded fields (exported or not: msgpack
//     and encoding/json promote the exported fields of an embedded
//     unexported struct), with their names, types, embedded-ness, and the
//     values of the struct-tag keys the serializers honour: `msgpack` and
//     `json`, rewritten as `msgpack:"…" json:"…"` (in that order, single
//     spaces), so reordering or respacing a tag does not count.
//
// # What does not count
//
//   - Unexported, non-embedded struct fields. No built-in serializer reads or
//     writes them, so a change to them cannot break a stored result.
//   - Other tag keys (xml, yaml, validate, …). Exception: a struct type used
//     as a type argument is written, in the instantiation's name, as the Go
//     runtime writes it, with its unexported fields and complete tags.
//   - Method sets of named non-interface types, including MarshalJSON,
//     MarshalBinary and friends. They are not part of the data's shape:
//     adding a String method must not make stored results look stale, and
//     what a marshalling method writes depends on its code, which no type
//     description captures.
//   - Parameter and result names of functions and methods, and the names of
//     type parameters.
//   - The structure of the opaque well-known types, written by name only:
//     error, time.Time, time.Location, math/big.Int, math/big.Float,
//     math/big.Rat, net/netip.Addr, net/netip.AddrPort and net/netip.Prefix.
//     Their fields are unexported and their wire form is fixed by the
//     serializers or by their own marshalling methods; writing them by name
//     keeps descriptions short and independent of standard-library
//     internals. Other standard types (url.URL, time.Duration,
//     json.RawMessage, …) are expanded like any named type.
//
// # Limits
//
//   - A type declared inside a function is named by its package and name
//     only. Two such types with the same name in the same package are not
//     told apart, and an instantiation with one as a type argument gets a
//     compiler-chosen suffix (like "Box[main.T·1]") at run time that
//     go/types cannot predict, so the two sides disagree for it.
//   - A type that still contains type parameters (a field of a generic type,
//     before instantiation) has no run-time counterpart; typeidtypes writes
//     each type parameter as "invalid".
//
// # Stability
//
// Fingerprints are stored next to results, so the canonical form is part of
// the storage format: changing this grammar changes every fingerprint and
// makes every stored result look mismatched. The package tests pin several
// descriptions and hashes to catch accidental changes.
package typeid
