// Package undecodablefield has result types with interface-typed values
// the serializer cannot decode (check undecodable-field).
package undecodablefield

import "fmt"

type Report struct {
	Title string
	Extra any
}

// want +2 `task MakeReport: json cannot decode Report.Extra: it is an interface \(any\), so reading the result back cannot know the concrete type`
//
//result:task serializer=json
func MakeReport() Report { return Report{} }

// want +2 `task Stringer: gob cannot decode the result: it is an interface \(fmt.Stringer\)`
//
//result:task serializer=gob
func Stringer() fmt.Stringer { return nil }

// Not a finding: an error result is not a value.
//
//result:task serializer=json
func OnlyErr() error { return nil }
