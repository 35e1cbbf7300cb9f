package record

import (
	"math"
	"testing"
	"time"
)

type diffItem struct {
	Name string
	N    int
}

type diffReport struct {
	Title string
	At    time.Time
	Items []diffItem
	Tags  map[string]string
	Next  *diffReport
	Any   any
	Raw   []byte
	Score float64
	inner int
}

func TestDiffValues(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func() diffReport {
		return diffReport{
			Title: "q1", At: at,
			Items: []diffItem{{"a", 1}, {"b", 2}},
			Tags:  map[string]string{"env": "prod", "team": "x"},
			Next:  &diffReport{Title: "q2"},
			Any:   1, Raw: []byte("xy"), Score: math.NaN(),
		}
	}
	tests := []struct {
		name   string
		change func(*diffReport)
		want   string // ValueDiff.String(); "" for no difference
	}{
		{"equal", func(*diffReport) {}, ""},
		{"same instant in another zone", func(r *diffReport) { r.At = at.In(time.FixedZone("X", 3600)) }, ""},
		{"unexported field", func(r *diffReport) { r.inner = 7 }, "field inner: int differs"},
		{"string field", func(r *diffReport) { r.Title = "q3" }, "field Title: string differs"},
		{"time", func(r *diffReport) { r.At = at.Add(time.Second) }, "field At: time.Time differs"},
		{"nested in a slice", func(r *diffReport) { r.Items[1].N = 3 }, "field Items[1].N: int differs"},
		{"longer slice", func(r *diffReport) { r.Items = append(r.Items, diffItem{}) }, "field Items: length 2 -> 3"},
		{"emptied slice", func(r *diffReport) { r.Items = r.Items[:0] }, "field Items: length 2 -> 0"},
		{"map value", func(r *diffReport) { r.Tags["team"] = "y" }, `field Tags["team"]: string differs`},
		{"map key added", func(r *diffReport) { r.Tags["a"] = "1" }, `field Tags["a"]: added`},
		{"map key removed", func(r *diffReport) { delete(r.Tags, "env") }, `field Tags["env"]: removed`},
		{"through a pointer", func(r *diffReport) { r.Next.Title = "q4" }, "field Next.Title: string differs"},
		{"nil pointer", func(r *diffReport) { r.Next = nil }, "field Next: set -> nil"},
		{"dynamic type", func(r *diffReport) { r.Any = "1" }, "field Any: dynamic type int -> string"},
		{"bytes", func(r *diffReport) { r.Raw = []byte("xz") }, "field Raw: []uint8 differs"},
		{"NaN equals NaN, a number does not", func(r *diffReport) { r.Score = 1 }, "field Score: float64 differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.change(&b)
			d, ok := DiffValues(a, b)
			got := ""
			if ok {
				got = d.String()
			}
			if got != tt.want {
				t.Errorf("DiffValues = %q, want %q", got, tt.want)
			}
		})
	}
	if d, ok := DiffValues("a", "b"); !ok || d.String() != "the value: string differs" {
		t.Errorf("two strings: %q, %v", d, ok)
	}
	if d, ok := DiffValues([]int(nil), []int{}); !ok || d.What != "nil -> empty" {
		t.Errorf("nil and empty slices: %q, %v", d, ok)
	}
}
