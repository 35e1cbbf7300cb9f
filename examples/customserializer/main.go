// Command customserializer stores a report as CSV with a serializer of its
// own: rowsCSV writes a []Row as a CSV table with a header, so the payload
// of the record is a file any spreadsheet reads. The directive names the
// value (serializer=rowsCSV), and init registers it, so that programs that
// read the records by their serializer's name can decode them.
// main_test.go runs the serializer conformance suite (serializertest.Run)
// on it.
//
//	$ go run .
//	Completed 2 rows -> /home/me/.resultgen/storage/report-2026-01-02.csv
package main

//go:generate go run github.com/resultgen/resultgen/cmd/resultgen

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/resultgen/resultgen/runtime/serializer"
)

// Row is one line of the report.
type Row struct {
	Name  string
	Count int
}

// RowsCSV encodes a []Row as CSV: a "name,count" header, then one line per
// row. It refuses every other value.
type RowsCSV struct{}

// rowsCSV is the value the Report directive names.
var rowsCSV RowsCSV

func init() {
	// Registered so that a record can be decoded by its serializer's
	// name (serializer.New), as every record stores it.
	if err := serializer.Register("rows-csv", func(serializer.Spec) (serializer.Serializer, error) { return RowsCSV{}, nil }); err != nil {
		panic(err)
	}
}

var header = []string{"name", "count"}

// Spec names the serializer in the records it writes.
func (RowsCSV) Spec() serializer.Spec { return serializer.Spec{Type: "rows-csv"} }

// Encode writes v, a []Row, to w.
func (RowsCSV) Encode(w io.Writer, v any) error {
	rows, ok := v.([]Row)
	if !ok {
		return fmt.Errorf("rows-csv: encode %T: only []Row can be written", v)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("rows-csv: %w", err)
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Name, strconv.Itoa(r.Count)}); err != nil {
			return fmt.Errorf("rows-csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("rows-csv: %w", err)
	}
	return nil
}

// Decode reads a []Row from r into v, a *[]Row.
func (RowsCSV) Decode(r io.Reader, v any) error {
	p, ok := v.(*[]Row)
	if !ok {
		return fmt.Errorf("rows-csv: decode into %T: only into *[]Row", v)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	lines, err := cr.ReadAll()
	if err != nil {
		return fmt.Errorf("rows-csv: %w", err)
	}
	if len(lines) == 0 || lines[0][0] != header[0] || lines[0][1] != header[1] {
		return errors.New("rows-csv: no name,count header")
	}
	rows := make([]Row, 0, len(lines)-1)
	for i, l := range lines[1:] {
		n, err := strconv.Atoi(l[1])
		if err != nil {
			return fmt.Errorf("rows-csv: line %d: count: %w", i+2, err)
		}
		rows = append(rows, Row{Name: l[0], Count: n})
	}
	*p = rows
	return nil
}

// Report counts the day's events.
//
//result:task storage_key="report-{parameters[day]}.csv" serializer=rowsCSV
func Report(day string) []Row {
	return []Row{{Name: "signups " + day, Count: 12}, {Name: "orders, paid", Count: 3}}
}

func main() {
	st := ReportTask.State(context.Background(), "2026-01-02")
	rows, err := st.Result()
	if err != nil {
		fmt.Fprintln(os.Stderr, "customserializer:", err)
		os.Exit(1)
	}
	fmt.Printf("%-9s %d rows -> %s\n", st.Name(), len(rows), st.Location())
}
