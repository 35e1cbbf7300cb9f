// Package droppedfield has result types with struct fields the serializer
// silently drops (check dropped-field).
package droppedfield

type Report struct {
	Title string
	count int
	Skip  int `json:"-"`
	_     int
}

// want +2 `task MakeReport: json silently drops Report.count: the field is unexported`
//
//result:task serializer=compressed/json
func MakeReport() (*Report, error) { return &Report{}, nil }

type gobbed struct {
	Name string
	F    func()
	C    chan int
}

// want +2 `task Gobbed: gob silently drops gobbed.F: it is a func \(func\(\)\)` `task Gobbed: gob silently drops gobbed.C: it is a channel \(chan int\)`
//
//result:task serializer=gob
func Gobbed() gobbed { return gobbed{} }

// Not findings: exported fields, and fields tagged to be dropped.
type Clean struct {
	Name  string
	Cache []byte `msgpack:"-"`
}

//result:task serializer=msgpack
func MakeClean() Clean { return Clean{} }
