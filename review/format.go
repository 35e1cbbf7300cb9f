package review

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/resultgen/resultgen/runtime/settings"
)

// Formats Write knows.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// ErrUnknownFormat is returned by Write for a format it does not know.
var ErrUnknownFormat = errors.New("unknown format (want table, json, markdown, mermaid or dot)")

// Write prints r to w in format: "table" (aligned text), "json" (the
// Report's JSON encoding, indented), "markdown", or a picture of each
// package's flows and the tasks they call, each edge labelled with the
// call's persistence, storage, serializer and cache policy: "mermaid" (a
// Mermaid flowchart, which code hosts render in a ```mermaid block) or
// "dot" (Graphviz). Findings are not drawn.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatTable, "":
		return writeTable(w, r)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatMarkdown, "md":
		return writeMarkdown(w, r)
	case FormatMermaid:
		return writeMermaid(w, r)
	case FormatDot:
		return writeDot(w, r)
	}
	return fmt.Errorf("%q: %w", format, ErrUnknownFormat)
}

// settingLines are the header's rows: name, value, source.
func settingLines(d Defaults) [][3]string {
	src := func(name string) string {
		if s := d.Sources[name]; s != "" {
			return s
		}
		return "default"
	}
	storage := d.DefaultStorage
	if storage == "" {
		storage = "local"
	}
	ser := d.DefaultSerializer
	if ser == "" {
		ser = "msgpack"
	}
	return [][3]string{
		{settings.PersistByDefault, strconv.FormatBool(d.PersistByDefault), src(settings.PersistByDefault)},
		{settings.DefaultStorage, storage, src(settings.DefaultStorage)},
		{settings.LocalStoragePath, d.LocalStoragePath, src(settings.LocalStoragePath)},
		{settings.DefaultSerializer, ser, src(settings.DefaultSerializer)},
		{settings.RefreshCache, strconv.FormatBool(d.RefreshCache), src(settings.RefreshCache)},
		{settings.EncryptResults, strconv.FormatBool(d.EncryptResults), src(settings.EncryptResults)},
	}
}

// cells are a row's columns as the table and markdown formats show them.
func cells(r Row) []string {
	from := "(standalone)"
	if len(r.SameIn) > 0 {
		from = "(standalone; same in " + strings.Join(r.SameIn, ", ") + ")"
	}
	at := r.Position
	if r.CalledFrom != "" {
		from, at = strings.Join(append(slices.Clone(r.CalledVia), r.CalledFrom), " > "), r.CallPosition
	}
	persisted := "no"
	if r.Persisted {
		persisted = "yes"
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	storage, ser, key := "-", "-", dash(r.Key)
	if r.Persisted {
		storage = r.Storage + " (" + r.StorageFrom + ")"
		ser = r.Serializer
		if r.Compression != "" {
			ser += "+" + r.Compression
		}
		ser += " (" + r.SerializerFrom + ")"
	}
	cache := "-"
	if r.Kind == "task" {
		cache = r.CachePolicy
		if r.CacheExpiration != "" {
			cache += ", expires " + r.CacheExpiration
		}
		if r.Reuse != "" {
			cache += "; " + r.Reuse
		}
	}
	mem := "no"
	if r.InMemory {
		mem = "yes"
	}
	enc := "-"
	switch {
	case !r.Persisted:
	case r.Encrypted:
		enc = "yes (" + r.EncryptWhy + ")"
	case strings.HasPrefix(r.EncryptWhy, settings.EncryptResults):
		enc = "no" // the default: said once, in the settings in force
	default:
		enc = "no (" + r.EncryptWhy + ")"
	}
	return []string{r.Kind + " " + r.Func, from, persisted, r.Why, storage, key, ser, cache, mem, enc, at}
}

var columns = []string{"FUNCTION", "CALLED FROM", "PERSISTED", "WHY", "STORAGE", "KEY", "SERIALIZER", "CACHE", "IN MEMORY", "ENCRYPTED", "AT"}

// byPackage splits rows by package, keeping order.
func byPackage(rows []Row) (names []string, groups map[string][]Row) {
	groups = map[string][]Row{}
	for _, r := range rows {
		if _, ok := groups[r.Package]; !ok {
			names = append(names, r.Package)
		}
		groups[r.Package] = append(groups[r.Package], r)
	}
	return names, groups
}

func summary(r *Report) string {
	return fmt.Sprintf("%d %s, %d %s", r.Errors, plural(r.Errors, "error"), r.Warnings, plural(r.Warnings, "warning"))
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

func writeTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "settings in force:")
	for _, l := range settingLines(r.Defaults) {
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", l[0], l[1], l[2])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	names, groups := byPackage(r.Rows)
	for _, name := range names {
		fmt.Fprintf(w, "\npackage %s\n", name)
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(columns, "\t"))
		for _, row := range groups[name] {
			fmt.Fprintln(tw, strings.Join(cells(row), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Rows) == 0 {
		fmt.Fprintln(w, "\nno tasks or flows")
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w, "\nfindings:")
		for _, f := range r.Findings {
			fmt.Fprintln(w, "  "+f.String())
		}
	}
	_, err := fmt.Fprintln(w, "\n"+summary(r))
	return err
}

// mdCell escapes a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func writeMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("# resultgen review\n\n## Settings in force\n\n| setting | value | from |\n|---|---|---|\n")
	for _, l := range settingLines(r.Defaults) {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", l[0], mdCell(l[1]), l[2])
	}
	names, groups := byPackage(r.Rows)
	for _, name := range names {
		fmt.Fprintf(&b, "\n## Package `%s`\n\n|", name)
		for _, c := range columns {
			b.WriteString(" " + strings.ToLower(c) + " |")
		}
		b.WriteString("\n|" + strings.Repeat("---|", len(columns)) + "\n")
		for _, row := range groups[name] {
			b.WriteString("|")
			for i, c := range cells(row) {
				if i == 5 && c != "-" {
					c = "`" + c + "`"
				}
				b.WriteString(" " + mdCell(c) + " |")
			}
			b.WriteString("\n")
		}
	}
	if len(r.Rows) == 0 {
		b.WriteString("\nNo tasks or flows.\n")
	}
	b.WriteString("\n## Findings\n\n")
	if len(r.Findings) == 0 {
		b.WriteString("None.\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "- `%s` **%s** (%s): %s. Fix: %s.\n", f.Position, f.Severity, f.Check, mdCell(f.Message), mdCell(f.Fix))
	}
	b.WriteString("\n" + summary(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
