// Package errserializer has custom serializer mistakes.
package errserializer

import (
	"io"
	"strings"

	"github.com/resultgen/resultgen/runtime/serializer"
)

type half struct{}

func (half) Spec() serializer.Spec { return serializer.Spec{} }

func (half) Encode(w io.Writer, v any) error { return nil }

var halfSerializer = half{}

type Codec struct{}

// Undeclared names no value.
//
//result:task serializer=mySerializer
func Undeclared() int { return 1 }

// Incomplete names a value missing Decode.
//
//result:task serializer=halfSerializer
func Incomplete() int { return 1 }

// TypeName names a type, not a value.
//
//result:task serializer=Codec
func TypeName() int { return 1 }

// Qualified names a value of an imported package that is no serializer.
//
//result:task serializer=strings.ToUpper
func Qualified() int { return 1 }

var _ = strings.ToUpper
