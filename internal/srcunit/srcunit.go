// Package srcunit finds the units a code version is made of in Go source,
// with go/scanner alone: no parser, no type checker, no I/O.
//
// A unit is one top-level declaration: a function or method (from the func
// keyword to its closing brace), one type spec, one var spec, or a whole
// const declaration (iota and implicit repetition make its specs
// inseparable). Its text is its tokens, comments and layout left out
// (Normalize), so a comment or a reformat leaves it unchanged and an edit of
// code does not.
//
// Two programs use it and must agree byte for byte:
//
//   - the generator (internal/model's code versions) hashes the units it
//     finds with go/ast, calling Normalize (go/scanner) on each unit's
//     source range;
//   - the runtime's stale-code check (runtime.Package) finds the same units
//     again with Decls, at run time, where only the source files are at
//     hand, and compares the hashes result_gen.go was generated with. Decls
//     and Decl.Text use a lexer of their own (lex.go), which allocates
//     nothing per token.
//
// TestSweepDeclsAgreeWithAST checks that Decls finds the units go/ast finds, with
// the texts Normalize gives, over the standard library's sources; FuzzDecls
// does the same for generated inputs.
package srcunit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"go/scanner"
	"go/token"
	"math"
	"strings"
)

// Unit kinds, as the first word of a unit line.
const (
	Func   = "func"
	Method = "method"
	Type   = "type"
	Var    = "var"
	Const  = "const"
)

// DirectivePrefix starts a resultgen directive comment.
const DirectivePrefix = "//result:"

// Normalize returns the tokens of seg as text, comments and layout left
// out: each token is followed by one space, and a separator (";" or ",")
// right before a closing bracket, or at the end, is dropped, since whether
// it is written depends on line breaks only.
func Normalize(seg []byte) string {
	var s scanner.Scanner
	fs := token.NewFileSet()
	s.Init(fs.AddFile("", -1, len(seg)), seg, nil, 0)
	var b strings.Builder
	b.Grow(len(seg))
	pending := ""
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.SEMICOLON, token.COMMA:
			pending = tok.String()
			continue
		case token.RPAREN, token.RBRACE, token.RBRACK:
			pending = ""
		}
		if pending != "" {
			b.WriteString(pending)
			b.WriteByte(' ')
			pending = ""
		}
		if lit != "" {
			b.WriteString(lit) // identifiers, keywords, literals
		} else {
			b.WriteString(tok.String())
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// Hash is the hash of a unit in a unit line: the first 12 hex digits of the
// SHA-256 of name, a newline and text (the unit's prefix and normalized
// tokens).
func Hash(name, text string) string {
	sum := sha256.Sum256([]byte(name + "\n" + text))
	return hex.EncodeToString(sum[:6])
}

// DirectiveHash is the hash of a function's directive lines (its doc
// comment's lines that start with DirectivePrefix, in order), in the form
// of Hash.
func DirectiveHash(lines []string) string {
	return Hash("directive", strings.Join(lines, "\n"))
}

// Decl is one unit found by Decls.
type Decl struct {
	Kind string // Func, Method, Type, Var or Const
	// Name is the declared name: "F"; "T.M" for a method of T (or *T,
	// T[P]); the names a var spec or const declaration defines, blank
	// names left out, joined by ","
	Name string
	// Prefix comes before the range's tokens in the unit's text: "type "
	// for a type spec, "var " for a var spec (their ranges start at the
	// name), "" otherwise.
	Prefix string
	// Lo and Hi delimit the unit's source: from the func or const
	// keyword, or the spec's first name, to the end of its last token.
	Lo, Hi int
	// Directives are the lines of a function's doc comment that start with
	// DirectivePrefix.
	Directives []string

	toks []tok // the tokens of [Lo, Hi), comments left out
}

// Text is d's text in src, the file Decls found it in: its prefix and
// normalized tokens, what Hash hashes.
func (d Decl) Text(src []byte) string {
	return string(d.appendText(make([]byte, 0, len(d.Prefix)+d.Hi-d.Lo), src))
}

// Hash is Hash(name, d.Text(src)), in one buffer.
func (d Decl) Hash(name string, src []byte) string {
	return d.hash(nil, name, src)
}

// hash is Hash, building the hashed text in buf's memory; it returns the
// hash and the buffer to use next time.
func (d Decl) hash(buf *[]byte, name string, src []byte) string {
	var b []byte
	if buf != nil {
		b = (*buf)[:0]
	}
	b = d.appendText(append(append(b, name...), '\n'), src)
	if buf != nil {
		*buf = b
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// A Scanner is Decls and Decl.Hash for one file after another, reusing its
// memory between files: the Decls a call returns are valid until its next
// call. It serves P7 (the runtime's stale-code check of a package of 50
// files of 4 KiB): the check's workers each keep one. With the file
// buffer the check reuses too, BenchmarkPackageCheck/Check went from
// 2.1 MB and 5.0-5.5 ms to 0.46 MB and 3.4-4.0 ms per check (same load,
// the collector's assists were a tenth of its time), and the P7 row from
// 5.84 ms to 4.03 ms. Not safe for concurrent use.
type Scanner struct {
	toks  []tok
	decls []Decl
	text  []byte
}

// Decls is the package's Decls of src, in s's memory.
func (s *Scanner) Decls(src []byte) []Decl {
	var ds []Decl
	s.toks, ds = decls(src, s.toks, s.decls[:0])
	s.decls = ds
	return ds
}

// Hash is d.Hash(name, src), in s's memory.
func (s *Scanner) Hash(d Decl, name string, src []byte) string {
	return d.hash(&s.text, name, src)
}

// appendText appends d's text to b: its prefix and its tokens, as
// Normalize writes them, from the tokens Decls found (no second scan).
func (d Decl) appendText(b, src []byte) []byte {
	b = append(b, d.Prefix...)
	pending := byte(0)
	for _, t := range d.toks {
		switch t.t {
		case token.SEMICOLON:
			pending = ';'
			continue
		case token.COMMA:
			pending = ','
			continue
		case token.RPAREN, token.RBRACE, token.RBRACK:
			pending = 0
		}
		if pending != 0 {
			b = append(b, pending, ' ')
			pending = 0
		}
		b = appendToken(b, t.t, src[t.off:t.end])
		b = append(b, ' ')
	}
	return b
}

// tok is one scanned token.
type tok struct {
	t        token.Token
	off, end int32 // byte offsets of the token's source
	line     int32
}

// ident is the identifier tok is in src.
func (t tok) ident(src []byte) string { return string(src[t.off:t.end]) }

// Decls returns the units of the Go file src, in source order. It does not
// fail: a file that does not scan or parse gives what its tokens give, which
// a caller comparing hashes sees as changed. The package clause, imports,
// init functions and blank names are no units.
func Decls(src []byte) []Decl {
	_, out := decls(src, nil, nil)
	return out
}

// decls is Decls, scanning into the memory of toks and appending to out;
// it returns the tokens' buffer for the next file.
func decls(src []byte, toks []tok, out []Decl) ([]tok, []Decl) {
	if len(src) > math.MaxInt32 {
		return toks, out // offsets are int32; no Go file is that large
	}
	toks, comments := scan(src, toks)
	for i := 0; i < len(toks); {
		t := toks[i]
		switch t.t {
		case token.FUNC:
			d, next := funcDecl(src, toks, i)
			if d.Name != "" {
				d.Directives = directives(comments[i], int(t.line))
				out = append(out, d)
			}
			i = next
		case token.CONST, token.VAR, token.TYPE:
			var ds []Decl
			ds, i = genDecl(src, toks, i)
			out = append(out, ds...)
		default:
			i = skipToSemi(toks, i)
		}
	}
	return toks, out
}

// comment is one comment token, for doc comments.
type comment struct {
	text                []byte // in the source
	startLine, endLine  int
	sameLineAsPrevToken bool
}

// scan returns src's tokens without comments, and for each token the
// comments right before it.
func scan(src []byte, toks []tok) ([]tok, map[int][]comment) {
	l := newLexer(src)
	// Go code has a token every 3.5 to 6 bytes (the standard library's
	// sources, comments and all: 5.9): sized for dense code, so the slice
	// rarely grows.
	if want := len(src)/3 + 16; cap(toks) < want {
		toks = make([]tok, 0, want)
	}
	toks = toks[:0]
	comments := map[int][]comment{}
	var pending []comment
	prevLine := 0
	for {
		t := l.next()
		if t.t == token.EOF {
			break
		}
		if t.t == token.COMMENT {
			pending = append(pending, comment{
				text: src[t.off:t.end], startLine: t.line, endLine: t.endLine,
				sameLineAsPrevToken: prevLine == t.line,
			})
			continue
		}
		if len(pending) > 0 {
			if t.t == token.FUNC { // only a function's doc comment is read
				comments[len(toks)] = pending
			}
			pending = pending[len(pending):]
		}
		toks = append(toks, tok{t: t.t, off: int32(t.off), end: int32(t.end), line: int32(t.line)})
		prevLine = t.line
	}
	return toks, comments
}

// directives returns the directive lines of the doc comment among cs, the
// comments right before a func keyword, as go/parser finds a lead comment:
// comments on the line of the previous token form a group of their own;
// the rest form groups of comments at most one line apart, and the last
// group is the doc comment when it ends on the line before the keyword.
func directives(cs []comment, funcLine int) []string {
	if len(cs) == 0 || cs[len(cs)-1].endLine+1 != funcLine {
		return nil
	}
	i := 0
	if cs[0].sameLineAsPrevToken {
		line := cs[0].startLine
		for i < len(cs) && cs[i].startLine <= line {
			line = cs[i].endLine
			i++
		}
	}
	if i == len(cs) {
		return nil
	}
	start := i
	for j := i + 1; j < len(cs); j++ {
		if cs[j].startLine > cs[j-1].endLine+1 {
			start = j
		}
	}
	var out []string
	for _, c := range cs[start:] {
		if bytes.HasPrefix(c.text, []byte(DirectivePrefix)) {
			out = append(out, string(c.text))
		}
	}
	return out
}

// skipToSemi returns the index after the semicolon ending the statement at
// i, at bracket depth 0.
func skipToSemi(toks []tok, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].t {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		case token.SEMICOLON:
			if depth <= 0 {
				return i + 1
			}
		}
	}
	return i
}

// funcDecl reads the function declaration whose func keyword is toks[i].
func funcDecl(src []byte, toks []tok, i int) (Decl, int) {
	d := Decl{Kind: Func, Lo: int(toks[i].off)}
	next := skipToSemi(toks, i)
	last := next - 1
	if last >= 0 && last < len(toks) && toks[last].t == token.SEMICOLON {
		last--
	}
	if last < i {
		return Decl{}, next
	}
	d.Hi = int(toks[last].end)
	d.toks = toks[i : last+1]
	j := i + 1
	recv := ""
	if j < len(toks) && toks[j].t == token.LPAREN {
		// the receiver: its base type is the last identifier outside
		// brackets ((T), (*T), (r T), (r *T[K, V]), ((*T))). Outside
		// brackets it holds only identifiers, stars and parentheses, and a
		// bracket only right after the base type's name, as go/ast names
		// a receiver (recvBase in the tests): a function, map, array or
		// qualified type, or more than one receiver, names no method.
		depth, brackets := 0, 0
		var prev token.Token
		bad := false
		for ; j < next; j++ {
			t := toks[j].t
			if brackets > 0 {
				switch t {
				case token.LBRACK:
					brackets++
				case token.RBRACK:
					brackets--
				}
				prev = t
				continue
			}
			switch t {
			case token.LPAREN:
				depth++
			case token.RPAREN:
				depth--
			case token.LBRACK:
				bad = bad || prev != token.IDENT
				brackets++
			case token.IDENT:
				bad = bad || prev == token.RBRACK
				recv = toks[j].ident(src)
			case token.MUL:
			default:
				bad = true
			}
			prev = t
			if depth == 0 {
				j++
				break
			}
		}
		if bad || recv == "" || recv == "_" {
			return Decl{}, next
		}
		d.Kind = Method
	}
	if j >= next || toks[j].t != token.IDENT {
		return Decl{}, next
	}
	name := toks[j].ident(src)
	switch {
	case name == "_":
		return Decl{}, next
	case recv != "":
		d.Name = recv + "." + name
	case name == "init":
		return Decl{}, next
	default:
		d.Name = name
	}
	return d, next
}

// genDecl reads the const, var or type declaration whose keyword is
// toks[i].
func genDecl(src []byte, toks []tok, i int) ([]Decl, int) {
	kw := toks[i].t
	j := i + 1
	grouped := j < len(toks) && toks[j].t == token.LPAREN
	var specs [][2]int // [first, last] token of each spec
	end := 0           // index after the declaration
	if grouped {
		j++
		depth := 0
		first := -1
		for ; j < len(toks); j++ {
			t := toks[j].t
			if depth == 0 && (t == token.SEMICOLON || t == token.RPAREN) {
				if first >= 0 {
					specs = append(specs, [2]int{first, j - 1})
					first = -1
				}
				if t == token.RPAREN {
					break
				}
				continue
			}
			if first < 0 {
				first = j
			}
			switch t {
			case token.LPAREN, token.LBRACE, token.LBRACK:
				depth++
			case token.RPAREN, token.RBRACE, token.RBRACK:
				depth--
			}
		}
		end = skipToSemi(toks, j)
		if j >= len(toks) {
			end = len(toks)
		}
	} else {
		end = skipToSemi(toks, j)
		last := end - 1
		if last < len(toks) && last >= j && toks[last].t == token.SEMICOLON {
			last--
		}
		if last >= j {
			specs = append(specs, [2]int{j, last})
		}
	}
	var out []Decl
	switch kw {
	case token.CONST:
		var names []string
		for _, s := range specs {
			names = append(names, specNames(src, toks, s[0], s[1])...)
		}
		var last int
		switch {
		case grouped && j < len(toks):
			last = j // the closing parenthesis
		case len(specs) > 0:
			last = specs[len(specs)-1][1]
		default:
			return nil, end
		}
		if len(names) == 0 {
			return nil, end
		}
		out = append(out, Decl{Kind: Const, Name: strings.Join(names, ","), Lo: int(toks[i].off), Hi: int(toks[last].end), toks: toks[i : last+1]})
	case token.VAR:
		for _, s := range specs {
			names := specNames(src, toks, s[0], s[1])
			if len(names) == 0 {
				continue
			}
			out = append(out, Decl{Kind: Var, Name: strings.Join(names, ","), Prefix: "var ", Lo: int(toks[s[0]].off), Hi: int(toks[s[1]].end), toks: toks[s[0] : s[1]+1]})
		}
	case token.TYPE:
		for _, s := range specs {
			if t := toks[s[0]]; t.t == token.IDENT && t.ident(src) != "_" {
				out = append(out, Decl{Kind: Type, Name: t.ident(src), Prefix: "type ", Lo: int(t.off), Hi: int(toks[s[1]].end), toks: toks[s[0] : s[1]+1]})
			}
		}
	}
	return out, end
}

// specNames returns the names a value spec (toks[first..last]) defines,
// blank names left out.
func specNames(src []byte, toks []tok, first, last int) []string {
	var names []string
	for k := first; k <= last && toks[k].t == token.IDENT; k++ {
		if n := toks[k].ident(src); n != "_" {
			names = append(names, n)
		}
		if k+1 > last || toks[k+1].t != token.COMMA {
			break
		}
		k++ // the comma
	}
	return names
}
