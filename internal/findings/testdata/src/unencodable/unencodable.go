// Package unencodable has result types the serializer cannot encode
// (check unencodable).
package unencodable

import "unsafe"

type withChan struct {
	C chan int
}

// want +2 `task Chan: json cannot encode withChan.C: it is a channel \(chan int\)`
//
//result:task serializer=json
func Chan() withChan { return withChan{} }

// want +2 `task Complex: json cannot encode the result: it is a complex number \(complex128\)`
//
//result:task serializer=json
func Complex() complex128 { return 1i }

type point struct{ X, Y int }

// want +2 `task StructKeys: json cannot encode the result: its map key type point is not a string, an integer or an encoding.TextMarshaler`
//
//result:task serializer=json
func StructKeys() map[point]string { return nil }

// want +2 `task Funcs: msgpack cannot encode the result\[i\]: it is a func`
//
//result:task serializer=msgpack
func Funcs() []func() { return nil }

// want +2 `task Pointer: gob cannot encode the result: it is an unsafe.Pointer`
//
//result:task serializer=gob
func Pointer() unsafe.Pointer { return nil }

// The built-in default serializer, msgpack, cannot encode complex numbers.
//
// want +2 `task DefaultComplex: msgpack cannot encode the result: it is a complex number`
//
//result:task persist
func DefaultComplex() complex64 { return 0 }

// Not findings: gob encodes complex numbers; a type with MarshalJSON
// encodes itself; a result that is not persisted is not encoded; json
// accepts integer and TextMarshaler map keys.
//
//result:task serializer=gob
func GobComplex() complex128 { return 1i }

type Marshaled struct{ C chan int }

func (Marshaled) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

//result:task serializer=json
func Custom() Marshaled { return Marshaled{} }

//result:task
func NotPersisted() chan int { return nil }

type textKey struct{ X int }

func (textKey) MarshalText() ([]byte, error) { return nil, nil }

//result:task serializer=json
func IntKeys() map[int]string { return nil }

//result:task serializer=json
func TextKeys() map[textKey]string { return nil }
