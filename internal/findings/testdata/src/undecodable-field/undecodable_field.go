// Package undecodablefield has result types with interface-typed values
// the serializer cannot decode (check undecodable-field).
package undecodablefield

type Report struct {
	Title string
	Extra any
}

// want +2 `task MakeReport: json cannot decode Report.Extra: it is an interface \(any\), so reading the result back cannot know the concrete type`
//
//result:task serializer=json
func MakeReport() Report { return Report{} }

// Shape is implemented by several types.
type Shape interface{ Area() float64 }

// want +2 `task AnyShape: gob cannot decode the result: it is an interface \(Shape\), so reading the result back cannot know the concrete type`
//
//result:task serializer=gob
func AnyShape() Shape { return nil }

// Not a finding: an error result is not a value.
//
//result:task serializer=json
func OnlyErr() error { return nil }
