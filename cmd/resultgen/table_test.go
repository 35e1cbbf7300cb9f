package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
)

// TestTableAsTabwriter: up to tableSample rows, a table prints exactly as
// text/tabwriter does (padding 2, the last cell unpadded, empty and
// multi-byte cells); past it, later rows keep the sampled widths, and a
// longer cell pushes only its own row.
func TestTableAsTabwriter(t *testing.T) {
	rows := [][]string{
		{"KEY", "TASK", "SIZE", "NOTE"},
		{"a", "Hello", "1 kB", "x"},
		{"long-key-here", "-", "", ""},
		{"ünï", "Wörld", "12 MB", "last cell is not padded"},
		{"(total)", "3", "", ""},
	}
	var want, got bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	tb := newTable(&got, rows[0]...)
	for _, r := range rows[1:] {
		tb.row(r...)
	}
	tb.flush()
	if got.String() != want.String() {
		t.Errorf("table:\n%s\ntabwriter:\n%s", got.String(), want.String())
	}

	got.Reset()
	tb = newTable(&got, "K", "V")
	for i := range tableSample - 2 { // with the header, one short of the sample
		tb.row(fmt.Sprint(i%10), "v")
	}
	if got.Len() != 0 {
		t.Fatalf("a table wrote %d bytes before its sample was complete", got.Len())
	}
	tb.row("longer-than-sampled", "v") // the sample's last row sets the width
	tb.row("x", "after")
	tb.row("much-longer-than-the-sample", "pushed")
	tb.flush()
	lines := strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n")
	if n := len(lines); n != tableSample+2 {
		t.Fatalf("%d lines, want %d", n, tableSample+2)
	}
	col := len("longer-than-sampled") + 2
	if l := lines[len(lines)-2]; l != "x"+strings.Repeat(" ", col-1)+"after" {
		t.Errorf("a row after the sample: %q, want its cell padded to %d", l, col)
	}
	if l := lines[len(lines)-1]; l != "much-longer-than-the-sample  pushed" {
		t.Errorf("a row with a longer cell: %q", l)
	}
}

// TestProgressOnlyAfterASecond: a progress line shows from the first
// second on, at most once a second, and is cleared at the end; with no
// terminal it shows nothing.
func TestProgressOnlyAfterASecond(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &buf, now: func() time.Time { return clock }, start: clock, last: clock}
	n := 0
	line := func() string { return fmt.Sprintf("verify: %d checked", n) }
	for n = 1; n <= 5; n++ {
		clock = clock.Add(300 * time.Millisecond) // 0.3 s .. 1.5 s
		p.update(line)
	}
	if got := strings.Count(buf.String(), "\r"); got != 1 || !strings.Contains(buf.String(), "verify: 4 checked, 1s") {
		t.Errorf("after 1.5 s: %q, want one line, at 1.2 s", buf.String())
	}
	clock = clock.Add(time.Second)
	p.update(line)
	p.done()
	if got := buf.String(); !strings.Contains(got, "verify: 6 checked, 3s") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("after 2.5 s and done: %q", got)
	}

	quiet := newProgress(&cmdEnv{stdout: &buf, stderr: &buf}, false)
	buf.Reset()
	quiet.start = quiet.start.Add(-time.Hour)
	quiet.update(line)
	quiet.done()
	if buf.Len() != 0 {
		t.Errorf("progress to a buffer (not a terminal): %q", buf.String())
	}
}

// TestListerJSONAsOneArray: ls -format json streams entries, and prints the
// same bytes as encoding the whole list at once (writeJSON).
func TestListerJSONAsOneArray(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	entries := []results.Entry{
		{Key: "a", Location: "/s/a", Status: results.StatusRecord, ObjectSize: 10, Modified: at, Meta: record.Meta{Task: "T<&>", Created: at}},
		{Key: "b", Location: "/s/b", Status: results.StatusNotRecord, ObjectSize: 3, Modified: at, Err: errors.New("not a record")},
	}
	for n := range len(entries) + 1 {
		var want, got bytes.Buffer
		if err := writeJSON(&want, append([]results.Entry{}, entries[:n]...)); err != nil {
			t.Fatal(err)
		}
		l := newLister(&cmdEnv{stdout: &got}, "json", false)
		for _, e := range entries[:n] {
			if err := l.add(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.end(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d entries streamed:\n%s\nwant:\n%s", n, got.String(), want.String())
		}
	}
}
