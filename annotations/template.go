package annotations

import (
	"fmt"
	"go/token"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Template reference roots and the fields of the run roots.
var (
	templateRoots = []string{"parameters", "flow_run", "task_run"}
	flowRunFields = []string{"id", "name", "flow_name", "run_count", "parameters", "start_time"}
	taskRunFields = []string{"id", "name", "task_name", "run_count", "map_index"}
)

// seedNames are the flat names the older Python engine's templates used
// ({map_index}, {task_run_id}, ...), with what to write here instead.
var seedNames = map[string]string{
	"map_index":            "{task_run.map_index}",
	"task_loop_count":      "{parameters[NAME]} with the loop's index passed as a parameter ({task_run.run_count} is the attempt)",
	"task_run_id":          "{task_run.id}",
	"task_run_name":        "{task_run.name}",
	"task_name":            "{task_run.task_name}",
	"flow_run_id":          "{flow_run.id}",
	"flow_run_name":        "{flow_run.name}",
	"flow_name":            "{flow_run.flow_name}",
	"date":                 "{flow_run.start_time:2006-01-02}",
	"today":                "{flow_run.start_time:2006-01-02}",
	"scheduled_start_time": "{flow_run.start_time:LAYOUT}",
	"start_time":           "{flow_run.start_time:LAYOUT}",
}

// FlowRunFields and TaskRunFields list the fields a template may read from
// {flow_run.FIELD} and {task_run.FIELD}. Callers must not modify them.
func FlowRunFields() []string { return append([]string(nil), flowRunFields...) }

// TaskRunFields lists the fields of {task_run.FIELD}.
func TaskRunFields() []string { return append([]string(nil), taskRunFields...) }

// TemplateError is one problem in a storage-key template, at a byte offset
// of the template text.
type TemplateError struct {
	Offset int
	Msg    string // lowercase, no trailing period
}

func (e *TemplateError) Error() string { return e.Msg }

// TemplateErrors is every problem ParseTemplate found, in offset order.
// errors.As(err, &te) with te a *TemplateError finds the first one.
type TemplateErrors []*TemplateError

func (l TemplateErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the errors for errors.Is and errors.As.
func (l TemplateErrors) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// String returns the reference as written in a template, without braces:
// "parameters[name].A.B", "flow_run.id", "flow_run.parameters[region]",
// "flow_run.start_time:2006-01-02".
func (r *Ref) String() string {
	if r.Root != "parameters" {
		switch {
		case r.Name == "parameters":
			return r.Root + ".parameters[" + r.Arg + "]"
		case r.Arg != "":
			return r.Root + "." + r.Name + ":" + r.Arg
		}
		return r.Root + "." + r.Name
	}
	var b strings.Builder
	b.WriteString("parameters[")
	b.WriteString(r.Name)
	b.WriteString("]")
	for _, f := range r.Fields {
		b.WriteString(".")
		b.WriteString(f)
	}
	return b.String()
}

// ParseTemplate parses a storage-key template (the text after unquoting)
// into literal and reference parts; each part's Offset and each Ref's
// NameOffset and FieldOffsets are byte offsets into s, and every Pos is
// token.NoPos. Adjacent literal text is one part, with "{{" and "}}"
// unescaped.
//
// It checks the syntax and the literal text; whether a parameter exists and
// what its fields are is for the caller, who has the types. On error, the
// error is a TemplateErrors holding every problem, and the parts are the
// ones that parsed.
func ParseTemplate(s string) ([]TemplatePart, error) {
	parts, errs := parseTemplate(s)
	if len(errs) > 0 {
		return parts, TemplateErrors(errs)
	}
	return parts, nil
}

type templateParser struct {
	s     string
	parts []TemplatePart
	errs  []*TemplateError

	lit    []byte // pending literal text
	litOff int    // where it started; -1 when none is pending

	// The current path segment, for the storage key rules on literal text.
	seg    []byte
	segOff int
	segRef bool
}

func (p *templateParser) errorf(off int, format string, args ...any) {
	p.errs = append(p.errs, &TemplateError{Offset: off, Msg: fmt.Sprintf(format, args...)})
}

func parseTemplate(s string) ([]TemplatePart, []*TemplateError) {
	p := &templateParser{s: s, litOff: -1}
	if s == "" {
		p.errorf(0, "empty template")
		return nil, p.errs
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			p.checkDoubled(i)
			p.literal('{', i)
			i += 2
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			p.literal('}', i)
			i += 2
		case c == '}':
			p.errorf(i, "unmatched '}' (write }} for a literal brace)")
			p.literal(c, i) // as if escaped, so nothing else is reported about it
			i++
		case c == '{':
			j := i + 1
			for j < len(s) && s[j] != '}' && s[j] != '{' {
				j++
			}
			if j == len(s) || s[j] == '{' {
				p.errorf(i, "unclosed '{' (write {{ for a literal brace)")
				p.segRef = true // unknown content: no path rules
				i = j
				continue
			}
			p.flush()
			ref, errs := parseRef(s[i+1:j], i+1)
			p.errs = append(p.errs, errs...)
			if ref != nil {
				p.parts = append(p.parts, TemplatePart{Ref: ref, Offset: i})
			}
			p.segRef = true
			i = j + 1
		case c == '/':
			p.literal(c, i)
			p.endSegment(i)
			p.seg, p.segOff, p.segRef = p.seg[:0], i+1, false
			i++
		case c == '\\':
			p.errorf(i, "backslash in a storage key (separate folders with /)")
			p.literal(c, i)
			i++
		case c == 0:
			p.errorf(i, "NUL byte in a storage key")
			p.literal(c, i)
			i++
		default:
			p.literal(c, i)
			i++
		}
	}
	p.flush()
	p.endSegment(len(s))
	sortTemplateErrors(p.errs)
	return p.parts, p.errs
}

func sortTemplateErrors(errs []*TemplateError) {
	// Insertion sort: few errors, and it keeps equal offsets in order.
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Offset < errs[j-1].Offset; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

func (p *templateParser) literal(c byte, off int) {
	if p.litOff < 0 {
		p.litOff = off
	}
	p.lit = append(p.lit, c)
	if c != '/' {
		p.seg = append(p.seg, c)
	}
}

func (p *templateParser) flush() {
	if p.litOff >= 0 {
		p.parts = append(p.parts, TemplatePart{Literal: string(p.lit), Offset: p.litOff})
		p.lit, p.litOff = nil, -1
	}
}

// endSegment checks the path segment that ends at end (a '/' or the end of
// the template) against the storage key rules, when it is literal text only.
func (p *templateParser) endSegment(end int) {
	if p.segRef {
		return
	}
	switch seg := string(p.seg); {
	case seg == "" && p.segOff == 0:
		p.errorf(0, "storage key must be relative: remove the leading /")
	case seg == "" && end == len(p.s):
		p.errorf(end-1, "storage key must not end with /")
	case seg == "":
		p.errorf(end, "empty path segment (//) in a storage key")
	case seg == "." || seg == "..":
		p.errorf(p.segOff, "%q path segment in a storage key", seg)
	}
}

// checkDoubled reports "{{parameters[x]}}": literal braces around what is
// a valid reference, which is almost always meant as a reference.
func (p *templateParser) checkDoubled(i int) {
	rest := p.s[i+2:]
	k := strings.IndexAny(rest, "{}")
	if k <= 0 || !strings.HasPrefix(rest[k:], "}}") {
		return
	}
	inner := rest[:k]
	if ref, errs := parseRef(inner, i+2); ref != nil && len(errs) == 0 {
		p.errorf(i, "{{%s}} is literal text ({{ and }} are escaped braces); write {%s} to insert the value", inner, inner)
	}
}

// parseRef parses the text t between a reference's braces; base is the
// offset of t in the template.
func parseRef(t string, base int) (*Ref, []*TemplateError) {
	var errs []*TemplateError
	fail := func(off int, format string, args ...any) (*Ref, []*TemplateError) {
		errs = append(errs, &TemplateError{Offset: off, Msg: fmt.Sprintf(format, args...)})
		return nil, errs
	}
	if t == "" {
		return fail(base-1, "empty reference {}: want {parameters[NAME]}, {flow_run.FIELD} or {task_run.FIELD}")
	}
	i := scanIdent(t, 0)
	root, rest := t[:i], t[i:]
	switch root {
	case "parameters":
		if rest == "" {
			return fail(base, "parameters needs a name: write {parameters[NAME]}")
		}
		if rest[0] == '.' {
			return fail(base+i, "write parameters[NAME], not parameters.NAME")
		}
		name, nameOff, end, e := bracketName(rest, base+i, "parameters")
		if e != nil {
			return nil, append(errs, e)
		}
		ref := &Ref{Root: root, Name: name, NameOffset: nameOff}
		for j := i + end + 1; j < len(t); {
			if t[j] != '.' {
				return fail(base+j, "unexpected %s after %s: want .Field or }", quoteRune(t[j:]), ref)
			}
			k := scanIdent(t, j+1)
			field := t[j+1 : k]
			if field == "" {
				return fail(base+j, "missing field name after '.'")
			}
			if !token.IsIdentifier(field) {
				return fail(base+j+1, "invalid field name %q: want a Go identifier", field)
			}
			ref.Fields = append(ref.Fields, field)
			ref.FieldOffsets = append(ref.FieldOffsets, base+j+1)
			j = k
		}
		return ref, nil
	case "flow_run", "task_run":
		fields := flowRunFields
		if root == "task_run" {
			fields = taskRunFields
		}
		want := orList(fields)
		if rest == "" || rest == "." {
			return fail(base, "%s needs a field: want %s.FIELD with FIELD one of %s", root, root, want)
		}
		if rest[0] != '.' {
			return fail(base+i, "unexpected %s after %s: want .FIELD with FIELD one of %s", quoteRune(rest), root, want)
		}
		k := scanIdent(t, i+1)
		field := t[i+1 : k]
		if !slices.Contains(fields, field) {
			if field == "" {
				return fail(base+i, "%s needs a field after '.': want one of %s", root, want)
			}
			return fail(base+i+1, "unknown %s field %q%s: want %s", root, field, didYouMean(field, fields), want)
		}
		ref := &Ref{Root: root, Name: field, NameOffset: base + i + 1}
		switch {
		case field == "parameters":
			// {flow_run.parameters[NAME]}: the calling flow's parameter
			if k == len(t) {
				return fail(base+k, "flow_run.parameters needs a name: write {flow_run.parameters[NAME]}")
			}
			name, nameOff, end, e := bracketName(t[k:], base+k, "flow_run.parameters")
			if e != nil {
				return nil, append(errs, e)
			}
			if k+end+1 < len(t) {
				return fail(base+k+end+1, "unexpected %s after flow_run.parameters[%s]: a flow parameter is written whole, without a .Field chain", quoteRune(t[k+end+1:]), name)
			}
			ref.Arg, ref.ArgOffset = name, nameOff
			return ref, nil
		case field == "start_time":
			// {flow_run.start_time:LAYOUT}
			if k == len(t) || t[k] != ':' {
				if k < len(t) {
					return fail(base+k, "unexpected %s after %s.start_time: want :LAYOUT, a Go time layout such as {%s.start_time:2006-01-02}", quoteRune(t[k:]), root, root)
				}
				return fail(base+i+1, "%s.start_time needs a Go time layout: write {%s.start_time:2006-01-02}", root, root)
			}
			layout := t[k+1:]
			if msg := checkLayout(layout); msg != "" {
				return fail(base+k+1, "%s", msg)
			}
			ref.Arg, ref.ArgOffset = layout, base+k+1
			return ref, nil
		case k < len(t) && t[k] == ':':
			return fail(base+k, "%s.%s takes no layout: only flow_run.start_time does", root, field)
		case k < len(t):
			return fail(base+k, "unexpected %s after %s.%s", quoteRune(t[k:]), root, field)
		}
		return ref, nil
	}
	if root == "" {
		return fail(base, "invalid reference {%s}: want {parameters[NAME]}, {flow_run.FIELD} or {task_run.FIELD}", t)
	}
	if want, ok := seedNames[root]; ok && (rest == "" || rest[0] == ':') {
		return fail(base, "unknown reference {%s}: write %s", t, want)
	}
	hint := didYouMean(root, templateRoots)
	if hint == "" && rest == "" && token.IsIdentifier(root) {
		hint = fmt.Sprintf(" (write {parameters[%s]} for a parameter)", root)
	}
	return fail(base, "unknown reference %q%s: want parameters, flow_run or task_run", root, hint)
}

// bracketName parses "[NAME]" at the start of s (base is its offset in
// the template): NAME, where it starts, and the index of the ']' in s.
func bracketName(s string, base int, what string) (string, int, int, *TemplateError) {
	fail := func(off int, format string, args ...any) (string, int, int, *TemplateError) {
		return "", 0, 0, &TemplateError{Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if s == "" || s[0] != '[' {
		return fail(base, "unexpected %s after %s: want [NAME]", quoteRune(s), what)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return fail(base, "missing ] after %s[", what)
	}
	name, nameOff := s[1:end], base+1
	switch {
	case name == "":
		return fail(base, "empty parameter name in %s[]", what)
	case len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0]:
		return fail(nameOff, "write %s[%s] without quotes", what, name[1:len(name)-1])
	case !token.IsIdentifier(name):
		return fail(nameOff, "invalid parameter name %q: want a Go identifier", name)
	}
	return name, nameOff, end, nil
}

// Two instants that differ in every field a layout can show (year, month,
// day, weekday, hour, AM/PM, minute, second, fraction), to tell a layout
// that writes the time from text that writes none of it.
var (
	layoutProbeA = time.Date(2006, 1, 2, 15, 4, 5, 123456789, time.UTC)
	layoutProbeB = time.Date(2017, 11, 23, 9, 37, 41, 987654321, time.UTC)
)

// checkLayout checks a start_time layout (Go's time.Format layout), the
// way it will be used: formatted in UTC and written into one path
// segment. It returns "" when the layout is fine.
func checkLayout(layout string) string {
	out := layoutProbeA.Format(layout)
	switch {
	case layout == "":
		return "empty time layout after ':': write a Go layout such as 2006-01-02"
	case strings.ContainsAny(out, "/\\"):
		return fmt.Sprintf("time layout %q writes a path separator (%q): a substituted value stays in one folder; write one reference per folder, e.g. {flow_run.start_time:2006}/{flow_run.start_time:01}", layout, out)
	case strings.TrimSpace(out) == "":
		return fmt.Sprintf("time layout %q writes nothing", layout)
	case out == layoutProbeB.Format(layout):
		hint := ""
		if strings.Contains(layout, "%") {
			hint = " (strftime's %Y is not a Go layout)"
		}
		return fmt.Sprintf("time layout %q writes no part of the time%s: Go layouts write the reference time Mon Jan 2 15:04:05 MST 2006, e.g. 2006-01-02 or 20060102T150405", layout, hint)
	}
	return ""
}

// scanIdent returns the end of the run of letters, digits and underscores
// that starts at i.
func scanIdent(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		i += n
	}
	return i
}

// quoteRune quotes the first rune of s, for messages.
func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return fmt.Sprintf("%q", r)
}
