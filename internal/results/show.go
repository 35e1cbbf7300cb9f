package results

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/resultgen/resultgen/internal/record"
)

// The formats of WriteShow.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// Shown is what "resultgen results show" prints of one record: its Entry
// (from Show) and, when asked for, its value (from Value).
type Shown struct {
	Entry
	// WithValue: the value was asked for; Value or ValueErr is set.
	WithValue bool
	// Value is the decoded value as Value returns it (WriteShow passes it
	// through JSONValue).
	Value any
	// ValueErr says why the value is not shown, such as ErrNeedsType.
	ValueErr error
}

// showJSON is the JSON form of a Shown: the entry's fields, then value or
// value_error.
type showJSON struct {
	entryJSON
	Value      json.RawMessage `json:"value,omitempty"`
	ValueError string          `json:"value_error,omitempty"`
}

// WriteShow renders s to w: format "text" is one "name: value" line per
// metadata field ("code version" when the record says which code wrote it:
// record.Meta.CodeVersion; "written by", the resultgen version that wrote
// it: record.Meta.Writer), labels and key manifest indented, then "value:"
// and the value as indented JSON; "json" is one JSON object, Entry's fields (see
// Entry.MarshalJSON) followed by "value" or "value_error".
func WriteShow(w io.Writer, s Shown, format string) error {
	var value []byte
	if s.WithValue && s.ValueErr == nil {
		b, err := json.MarshalIndent(JSONValue(s.Value), "", "  ")
		if err != nil {
			return fmt.Errorf("the value cannot be shown as JSON: %w", err)
		}
		value = b
	}
	switch format {
	case FormatJSON:
		j := showJSON{entryJSON: s.Entry.toJSON(), Value: value}
		if s.WithValue && s.ValueErr != nil {
			j.ValueError = s.ValueErr.Error()
		}
		b, err := json.MarshalIndent(j, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case FormatText:
	default:
		return fmt.Errorf("unknown format %q (want text or json)", format)
	}

	e, m := s.Entry, s.Meta
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("key", e.Key)
	row("location", e.Location)
	row("task", dash(m.Task))
	row("function", dash(m.Func))
	if v := m.CodeVersion(); v != "" {
		row("code version", v)
	}
	row("go type", dash(m.GoType))
	switch {
	case m.TypeHash == "":
		row("result type", "- (written before result types were recorded: a run recomputes and replaces it)")
	case m.TypeDesc != "":
		row("result type", m.TypeHash+" "+m.TypeDesc)
	default:
		row("result type", m.TypeHash)
	}
	if m.Literal != nil {
		row("serializer", "literal "+*m.Literal)
	} else {
		row("serializer", FormatSerializer(m))
	}
	if enc := Encrypted(m); enc != "" {
		row("encryption", enc)
	}
	if n, ok := e.PayloadSize(); ok {
		payload := fmt.Sprintf("%d bytes", n)
		if n >= 1024 {
			payload += " (" + FormatSize(n) + ")"
		}
		row("payload", payload)
		row("checksum", m.Checksum)
	} else {
		row("payload", "size unknown (the store cannot read ranges; resultgen results verify reads it)")
	}
	row("object", fmt.Sprintf("%d bytes, modified %s", e.ObjectSize, FormatTime(e.Modified)))
	row("format version", strconv.Itoa(m.Version))
	if m.Writer != "" {
		row("written by", "resultgen "+m.Writer)
	} else {
		row("written by", "- (before resultgen recorded its version)")
	}
	row("created", FormatTime(m.Created))
	switch {
	case m.Expires.IsZero():
		row("expires", "never")
	case e.Expired:
		row("expires", FormatTime(m.Expires)+" (EXPIRED)")
	default:
		row("expires", FormatTime(m.Expires))
	}
	if len(m.Labels) == 0 {
		row("labels", "-")
	} else {
		row("labels", "")
		for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
			fmt.Fprintf(tw, "  %s:\t%s\n", k, m.Labels[k])
		}
	}
	if man := m.Manifest; man != nil {
		row("key made of", "")
		for _, l := range manifestLines(man) {
			fmt.Fprintf(tw, "  %s:\t%s\n", l[0], l[1])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	switch {
	case !s.WithValue:
	case s.ValueErr != nil:
		_, err = fmt.Fprintf(w, "value: not shown: %v\n", s.ValueErr)
	default:
		_, err = fmt.Fprintf(w, "value:\n%s\n", value)
	}
	return err
}

// manifestLines is a key manifest as "name", "value" rows.
func manifestLines(m *record.Manifest) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("rule", m.KeyFrom)
	add("storage_key", m.StorageKey)
	add("policy", m.Policy)
	if m.Keyed {
		add("inputs", m.Inputs+" (keyed hash)")
	} else {
		add("inputs", m.Inputs)
	}
	for _, p := range m.Params {
		if p.Excluded {
			add("  parameter "+p.Name, "left out (inputs-"+p.Name+")")
		} else {
			add("  parameter "+p.Name, p.Hash)
		}
	}
	add("code version", m.Source)
	for _, u := range m.Units {
		add("  covers", u)
	}
	add("run id", m.RunID)
	add("flow parameters", m.FlowParameters)
	return out
}

// Encrypted says how an encrypted record's payload is sealed: "payload
// encrypted (key ID, CIPHER)"; "" for a record in the clear. It needs no
// key.
func Encrypted(m record.Meta) string {
	if m.Encryption == nil {
		return ""
	}
	return fmt.Sprintf("payload encrypted (key %s, %s)", m.Encryption.KeyID, m.Encryption.Cipher)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
