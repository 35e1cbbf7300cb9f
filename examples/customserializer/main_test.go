package main

import (
	"slices"
	"testing"

	"github.com/resultgen/resultgen/resulttest"
	"github.com/resultgen/resultgen/runtime/serializer/serializertest"
)

// RowsCSV passes the conformance suite with values of the one type it
// writes, and refuses the others.
func TestConformance(t *testing.T) {
	serializertest.Run(t, RowsCSV{},
		serializertest.Values(
			[]Row{{Name: "a", Count: 1}, {Name: "b, with a comma", Count: -2}, {Name: "say \"hi\"\nnewline", Count: 0}},
			[]Row{},
		),
		serializertest.Refuses("not rows", 42, map[string]int{"a": 1}, func() {}))
}

// The report goes through RowsCSV and comes back equal from its record.
func TestReportRoundTrip(t *testing.T) {
	h := resulttest.New(t)
	report := resulttest.Watch(h, ReportTask)
	var got [][]Row
	for range 2 {
		rows, err := ReportTask.Call(h.Context(), "2026-01-02")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rows)
	}
	report.AssertHit()
	if !slices.Equal(got[0], got[1]) || len(got[0]) != 2 {
		t.Errorf("computed %v, loaded %v", got[0], got[1])
	}
}
