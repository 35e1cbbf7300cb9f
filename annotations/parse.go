package annotations

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prefix starts every directive comment: "//result:" with no space after
// the slashes.
const Prefix = "//result:"

// IsDirective reports whether a comment's text (as in ast.Comment.Text,
// slashes included) is a //result: directive line.
func IsDirective(text string) bool { return strings.HasPrefix(text, Prefix) }

// keyInfo describes one key of the directive language.
type keyInfo struct {
	flag     bool // takes no value: task, flow
	taskOnly bool // not allowed on flows
}

var keyTable = map[string]keyInfo{
	"task":             {flag: true},
	"flow":             {flag: true},
	"name":             {},
	"persist":          {},
	"storage":          {},
	"storage_key":      {taskOnly: true},
	"serializer":       {},
	"compression":      {},
	"cache_in_memory":  {},
	"cache_policy":     {taskOnly: true},
	"cache_key_fn":     {taskOnly: true},
	"cache_expiration": {taskOnly: true},
	"refresh_cache":    {taskOnly: true},
	"isolation":        {taskOnly: true},
	"retries":          {},
	"retry_delay":      {},
	"encrypt":          {},
	"on_commit":        {taskOnly: true},
	"on_rollback":      {taskOnly: true},
}

// Keys lists every key of the directive language, in manual order.
func Keys() []string { return append([]string(nil), keyOrder...) }

var keyOrder = []string{
	"task", "flow", "name", "persist", "storage", "storage_key", "serializer",
	"compression", "cache_in_memory", "cache_policy", "cache_key_fn",
	"cache_expiration", "refresh_cache", "isolation", "retries", "retry_delay",
	"encrypt", "on_commit", "on_rollback",
}

// pythonKeys maps the keyword names of the Python engines to ours, for
// suggestions.
var pythonKeys = map[string]string{
	"persist_result":         "persist",
	"result_storage":         "storage",
	"result_storage_key":     "storage_key",
	"result_serializer":      "serializer",
	"cache_result_in_memory": "cache_in_memory",
	"retry_delay_seconds":    "retry_delay",
	"compressionlib":         "compression",
}

// item is one lexed ITEM of a directive line.
type item struct {
	c        *ast.Comment
	key      string
	keyOff   int // offset of the key in c.Text
	hasValue bool
	value    string // unquoted
	valOff   int    // offset of the value's first byte (the quote when quoted)
	offs     []int  // quoted only: offs[i] is the offset in c.Text of value byte i; len(value)+1 entries
	bad      bool   // the value did not lex; already reported
}

func (it *item) pos() token.Pos { return it.c.Slash + token.Pos(it.keyOff) }

func (it *item) valuePos() token.Pos {
	if !it.hasValue {
		return it.pos()
	}
	return it.c.Slash + token.Pos(it.valOff)
}

// at maps byte i of the (unquoted) value to its position in the source.
func (it *item) at(i int) token.Pos {
	if !it.hasValue {
		return it.pos()
	}
	if it.offs != nil {
		i = min(max(i, 0), len(it.offs)-1)
		return it.c.Slash + token.Pos(it.offs[i])
	}
	i = min(max(i, 0), max(len(it.value)-1, 0))
	return it.c.Slash + token.Pos(it.valOff+i)
}

func (it *item) base() Item { return Item{Key: it.key, Pos: it.pos(), ValuePos: it.valuePos()} }

// errorList collects errors before the function's kind, and so the message
// prefix, is known.
type errorList []Error

func (l *errorList) add(pos token.Pos, format string, args ...any) {
	*l = append(*l, Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Parse parses and validates the //result: directives in decl's doc
// comment. It returns nil, nil when the doc comment has none. Otherwise the
// Directive holds every item that is valid, and the errors (sorted by
// position) every problem; the Directive must not be used to generate code
// when there are errors.
//
// A method (decl.Recv != nil) cannot carry directives: Parse returns a nil
// Directive and one error per directive line. fset is used for line
// numbers in messages and may be nil.
func Parse(fset *token.FileSet, decl *ast.FuncDecl) (*Directive, []Error) {
	if decl == nil || decl.Doc == nil {
		return nil, nil
	}
	var lines []*ast.Comment
	for _, c := range decl.Doc.List {
		if IsDirective(c.Text) {
			lines = append(lines, c)
		}
	}
	if len(lines) == 0 {
		return nil, nil
	}
	if decl.Recv != nil {
		var errs []Error
		for _, c := range lines {
			errs = append(errs, Error{Pos: c.Slash, Msg: fmt.Sprintf(
				"method %s: //result: directives go on top-level functions, not methods", methodName(decl))})
		}
		return nil, errs
	}
	name := decl.Name.Name

	var errs errorList
	var items []*item
	for _, c := range lines {
		items = append(items, lexLine(c, &errs)...)
	}

	d := &Directive{Func: name, Pos: lines[0].Slash}
	// The kind first: which keys apply depends on it.
	var kindItem *item
	both := false
	for _, it := range items {
		if it.key != "task" && it.key != "flow" {
			continue
		}
		if kindItem == nil {
			kindItem = it
			d.KindPos = it.pos()
			d.Kind = Task
			if it.key == "flow" {
				d.Kind = Flow
			}
		} else if it.key != kindItem.key {
			both = true
			errs.add(it.pos(), "both task and flow given (%s is %s): a function is one or the other",
				kindItem.key, where(fset, kindItem.pos()))
		}
	}
	if kindItem == nil {
		errs.add(d.Pos, "missing kind: add task or flow to the //result: directive")
	}

	v := &validator{fset: fset, d: d, errs: &errs, seen: map[string]*item{}}
	for _, it := range items {
		v.item(it)
	}
	v.crossChecks()

	prefix := "func " + name
	if d.Kind != 0 && !both {
		prefix = d.Kind.String() + " " + name
	}
	out := make([]Error, len(errs))
	for i, e := range errs {
		out[i] = Error{Pos: e.Pos, Msg: prefix + ": " + e.Msg}
	}
	sortErrors(out)
	return d, out
}

func sortErrors(errs []Error) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Pos < errs[j].Pos })
}

// where describes a position for a message: "on line 12", or "at offset
// 40" without a file set.
func where(fset *token.FileSet, pos token.Pos) string {
	if fset != nil {
		if p := fset.Position(pos); p.IsValid() {
			return fmt.Sprintf("on line %d", p.Line)
		}
	}
	return fmt.Sprintf("at offset %d", pos)
}

// lexLine splits one directive comment into items.
func lexLine(c *ast.Comment, errs *errorList) []*item {
	text := c.Text
	pos := func(off int) token.Pos { return c.Slash + token.Pos(off) }
	var items []*item
	i := len(Prefix)
	for {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return items
		}
		it := &item{c: c, keyOff: i}
		for i < len(text) && !isSpace(text[i]) && text[i] != '=' {
			i++
		}
		it.key = text[it.keyOff:i]
		items = append(items, it)
		if i >= len(text) || text[i] != '=' {
			continue
		}
		noKey := it.key == ""
		if noKey {
			errs.add(pos(i), "missing key before '='")
			it.key = "=" // never a known key, so reported only once
		}
		i++ // '='
		it.hasValue, it.valOff = true, i
		switch {
		case i >= len(text) || isSpace(text[i]):
			it.hasValue, it.valOff = false, 0
			it.bad = true
			if !noKey {
				errs.add(it.pos(), "missing value after %s=", it.key)
			}
		case text[i] == '"':
			i = lexQuoted(it, text, i, errs)
		default:
			for i < len(text) && !isSpace(text[i]) {
				if text[i] == '"' && !it.bad {
					it.bad = true
					errs.add(pos(i), "quote inside a bare value: quote the whole value, as %s=\"...\"", it.key)
				}
				i++
			}
			it.value = text[it.valOff:i]
		}
	}
}

// lexQuoted reads the Go double-quoted string at text[start] into it, with
// strconv.Unquote's semantics, and returns the offset after it.
func lexQuoted(it *item, text string, start int, errs *errorList) int {
	pos := func(off int) token.Pos { return it.c.Slash + token.Pos(off) }
	var buf []byte
	var offs []int
	i := start + 1
	for {
		if i >= len(text) {
			errs.add(pos(start), "unterminated string: missing closing \"")
			it.bad = true
			return i
		}
		if text[i] == '"' {
			break
		}
		r, multibyte, rest, err := strconv.UnquoteChar(text[i:], '"')
		if err != nil {
			it.bad = true
			esc := text[i:min(i+2, len(text))]
			shown := esc
			if len(esc) < 2 || esc[1] < ' ' || esc[1] >= utf8.RuneSelf {
				shown = strconv.Quote(esc)
			}
			errs.add(pos(i), "invalid escape %s in string", shown)
			i += len(esc) // skip the backslash and the next byte; keep looking for the end
			continue
		}
		n := len(buf)
		if r < utf8.RuneSelf || !multibyte {
			buf = append(buf, byte(r))
		} else {
			buf = utf8.AppendRune(buf, r)
		}
		for range len(buf) - n {
			offs = append(offs, i)
		}
		i = len(text) - len(rest)
	}
	offs = append(offs, i) // the closing quote
	it.value, it.offs = string(buf), offs
	i++
	if i < len(text) && !isSpace(text[i]) {
		errs.add(pos(i), "missing space after the closing quote of the %s value", it.key)
		it.bad = true
		for i < len(text) && !isSpace(text[i]) {
			i++
		}
	}
	return i
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' }

// methodName renders a method as "T.M" or "(*T).M".
func methodName(decl *ast.FuncDecl) string {
	if decl.Recv == nil || len(decl.Recv.List) == 0 {
		return decl.Name.Name
	}
	t := decl.Recv.List[0].Type
	star := false
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = true, s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	recv := "?"
	if id, ok := t.(*ast.Ident); ok {
		recv = id.Name
	}
	if star {
		return "(*" + recv + ")." + decl.Name.Name
	}
	return recv + "." + decl.Name.Name
}
