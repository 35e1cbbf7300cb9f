package reliability

// staleApp is the program TestStaleGeneratedCode edits: a package of four
// tasks, each keyed another way, whose results are structs, over helpers one
// and two calls deep, a method, and a const, a var and a type the tasks use.
// main runs each task once and prints one line per task.
var staleApp = map[string]string{
	"app/types.go": `package main

// Unit is what a total is counted in.
type Unit string

// Summary is what Summarize returns.
type Summary struct {
	N     int
	Total int
	Unit  Unit
	Words []string
}

// Row is what MakeRow stores under its storage key.
type Row struct {
	X int
	Y string
}

// Params are Weigh's inputs.
type Params struct {
	Base  int
	Scale float64
}

// Weight is what Weigh returns.
type Weight struct {
	Value float64
	Note  string
}

// counter counts in steps.
type counter struct{ step int }

// add adds n steps to total.
func (c counter) add(total, n int) int { return total + c.step*n }
`,
	"app/tasks.go": `package main

import "fmt"

// Summarize sums 1..n in steps of scale.
//
//result:task cache_policy=inputs+task_source serializer=json
func Summarize(n int) Summary {
	c := counter{step: scale}
	total := 0
	for i := 1; i <= n; i++ {
		total = c.add(total, i)
	}
	return Summary{N: n, Total: total, Unit: unit, Words: []string{word(n), "end"}}
}

// Label names n.
//
//result:task cache_policy=inputs+task_source
func Label(n int) string {
	return prefix + word(n)
}

// MakeRow makes the row of n.
//
//result:task storage_key="row-{parameters[n]}.msgpack"
func MakeRow(n int) Row {
	return Row{X: n, Y: shout("Y")}
}

// Weigh weighs p.
//
//result:task cache_policy=inputs
func Weigh(p Params) Weight {
	return Weight{Value: float64(p.Base) * p.Scale, Note: fmt.Sprint("w", p.Base)}
}
`,
	"app/helpers.go": `package main

import (
	"fmt"
	"strings"
)

// scale is Summarize's step.
const scale = 3

// unit is what Summarize counts in.
const unit Unit = "steps"

// prefix starts every label.
var prefix = "label-"

// word is n as a word, one call below a task.
func word(n int) string { return shout(fmt.Sprint("Word", n)) }

// shout is two calls below a task.
func shout(s string) string { return strings.ToLower(s) }
`,
	"app/main.go": `package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/resultgen/resultgen/runtime"
)

type state interface {
	Name() string
	Err() error
	Persisted() bool
	PersistReason() string
}

// show prints what a user would look at: the state, the value (zero when
// nothing was decoded), whether the error is ErrStale, and why the result
// was or was not persisted.
func show(task string, st state, v any) {
	fmt.Printf("%s state=%s value=%+v stale=%v persisted=%v zero=%v\n", task, st.Name(), v,
		errors.Is(st.Err(), runtime.ErrStale), st.Persisted(), reflect.ValueOf(v).IsZero())
	if err := st.Err(); err != nil {
		fmt.Printf("%s error: %v\n", task, err)
	}
	fmt.Printf("%s reason: %s\n", task, st.PersistReason())
}

func main() {
	ctx := context.Background()
	s := SummarizeTask.State(ctx, 4)
	sv, _ := s.Result()
	show("Summarize", s, sv)
	l := LabelTask.State(ctx, 2)
	lv, _ := l.Result()
	show("Label", l, lv)
	r := MakeRowTask.State(ctx, 5)
	rv, _ := r.Result()
	show("MakeRow", r, rv)
	w := WeighTask.State(ctx, Params{Base: 2, Scale: 1.5})
	wv, _ := w.Result()
	show("Weigh", w, wv)
}
`,
}

// staleTasks are the tasks main runs, in order.
var staleTasks = []string{"Summarize", "Label", "MakeRow", "Weigh"}

// typeEdit is an edit of types that builds: the program is built again
// without go generate, and task must fail with ErrStale.
type typeEdit struct {
	what  string
	task  string
	edits [][3]string // file, old, new
}

// staleTypeEdits are the type edits: fields renamed, added and retyped in
// result types, and the parameter struct changed.
var staleTypeEdits = []typeEdit{
	{"Row.Y renamed Z", "MakeRow", [][3]string{
		{"app/types.go", "\tY string\n", "\tZ string\n"},
		{"app/tasks.go", `Y: shout("Y")`, `Z: shout("Y")`}}},
	{"Row.X retyped int64", "MakeRow", [][3]string{
		{"app/types.go", "\tX int\n", "\tX int64\n"},
		{"app/tasks.go", "Row{X: n,", "Row{X: int64(n),"}}},
	{"Summary field added", "Summarize", [][3]string{
		{"app/types.go", "\tWords []string\n", "\tWords []string\n\tExtra int\n"}}},
	{"Summary.Words retyped []Unit", "Summarize", [][3]string{
		{"app/types.go", "\tWords []string\n", "\tWords []Unit\n"},
		{"app/tasks.go", `Words: []string{word(n), "end"}`, `Words: []Unit{Unit(word(n)), "end"}`}}},
	{"Weight.Note retyped []byte", "Weigh", [][3]string{
		{"app/types.go", "\tNote  string\n", "\tNote  []byte\n"},
		{"app/tasks.go", `Note: fmt.Sprint("w", p.Base)`, `Note: []byte(fmt.Sprint("w", p.Base))`}}},
	{"parameter Params field added", "Weigh", [][3]string{
		{"app/types.go", "\tScale float64\n", "\tScale float64\n\tOffset int\n"}}},
	{"parameter Params.Scale retyped float32", "Weigh", [][3]string{
		{"app/types.go", "\tScale float64\n", "\tScale float32\n"},
		{"app/tasks.go", "* p.Scale", "* float64(p.Scale)"}}},
}
