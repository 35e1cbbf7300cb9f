package srcunit

import (
	"go/token"
	"unicode"
	"unicode/utf8"
)

// lexer splits Go source into tokens as go/scanner does, for what this
// package needs of them: each token's kind (keywords, the operators that
// shape declarations, identifiers, literals, comments), its source range,
// and the semicolons the language inserts at line ends. It allocates
// nothing per token, which makes it several times faster than go/scanner;
// the runtime's stale-code check scans with it, the generator with
// go/scanner, and TestSweepDeclsAgreeWithAST holds the two to the same units and
// texts over the standard library.
//
// On malformed input it goes on as best it can; what it returns for such a
// file only has to stay inside the source.
type lexer struct {
	src              []byte
	off              int
	line             int
	insertSemi       bool
	semiAfterComment int // offset of the semicolon due after a comment; -1 when none
}

// lexTok is one token: its kind (token.IDENT, a keyword, an operator,
// token.INT for any number, token.STRING, token.CHAR, token.COMMENT,
// token.SEMICOLON, token.ILLEGAL), its source [off, end), and the lines it
// starts and ends on. An inserted semicolon has off == end.
type lexTok struct {
	t             token.Token
	off, end      int
	line, endLine int
}

func newLexer(src []byte) *lexer {
	l := &lexer{src: src, line: 1, semiAfterComment: -1}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		l.off = 3 // a byte order mark
	}
	return l
}

// next returns the next token; token.EOF at the end. Semicolons are
// inserted where go/scanner inserts them: at the newline (or the end of
// the source) after a line's last token when that token ends a statement,
// and after a general comment that spans lines.
func (l *lexer) next() lexTok {
	src := l.src
	if l.semiAfterComment >= 0 {
		off := l.semiAfterComment
		l.semiAfterComment = -1
		return lexTok{t: token.SEMICOLON, off: off, end: off, line: l.line, endLine: l.line}
	}
	for l.off < len(src) {
		c := src[l.off]
		switch {
		case c == '\n':
			if l.insertSemi {
				l.insertSemi = false
				t := lexTok{t: token.SEMICOLON, off: l.off, end: l.off, line: l.line, endLine: l.line}
				l.line++
				l.off++
				return t
			}
			l.line++
			l.off++
		case c == ' ' || c == '\t' || c == '\r':
			l.off++
		case c == '/' && l.off+1 < len(src) && (src[l.off+1] == '/' || src[l.off+1] == '*'):
			return l.comment()
		default:
			return l.token()
		}
	}
	if l.insertSemi {
		l.insertSemi = false
		return lexTok{t: token.SEMICOLON, off: l.off, end: l.off, line: l.line, endLine: l.line}
	}
	return lexTok{t: token.EOF, off: len(src), end: len(src), line: l.line, endLine: l.line}
}

// comment reads the comment at l.off. A line comment leaves the newline
// after it (and the semicolon due there) to next; a general comment that
// spans lines ends a statement like a newline.
func (l *lexer) comment() lexTok {
	src := l.src
	t := lexTok{t: token.COMMENT, off: l.off, line: l.line}
	if src[l.off+1] == '/' {
		i := l.off + 2
		for i < len(src) && src[i] != '\n' {
			i++
		}
		end := i
		if end > l.off && src[end-1] == '\r' {
			end-- // as go/scanner's lit
		}
		l.off = i
		t.end, t.endLine = end, l.line
		return t
	}
	i := l.off + 2
	firstNL := -1
	for i+1 < len(src) && (src[i] != '*' || src[i+1] != '/') {
		if src[i] == '\n' {
			l.line++
			if firstNL < 0 {
				firstNL = i
			}
		}
		i++
	}
	if i+1 < len(src) {
		i += 2
	} else {
		if i < len(src) && src[i] == '\n' {
			l.line++
			if firstNL < 0 {
				firstNL = i
			}
		}
		i = len(src)
	}
	l.off = i
	t.end, t.endLine = i, l.line
	if firstNL >= 0 {
		if l.insertSemi {
			l.insertSemi = false
			l.semiAfterComment = firstNL
		}
	}
	return t
}

// token reads the token at l.off, which is neither space nor comment.
func (l *lexer) token() lexTok {
	src := l.src
	start := l.off
	t := lexTok{off: start, line: l.line}
	c := src[start]
	insert := false
	switch {
	case isLetter(c) || c >= utf8.RuneSelf && l.letterAt(start):
		i := start
		for i < len(src) {
			if b := src[i]; b < utf8.RuneSelf {
				if !isLetter(b) && !isDigit(b) {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRune(src[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			i += n
		}
		l.off = i
		t.t = token.Lookup(string(src[start:i]))
		switch t.t {
		case token.IDENT, token.BREAK, token.CONTINUE, token.FALLTHROUGH, token.RETURN:
			insert = true
		}
	case isDigit(c) || c == '.' && start+1 < len(src) && isDigit(src[start+1]):
		l.number()
		t.t, insert = token.INT, true
	case c == '"' || c == '\'':
		i := start + 1
		for i < len(src) && src[i] != c && src[i] != '\n' {
			if src[i] == '\\' && i+1 < len(src) {
				i++
			}
			i++
		}
		if i < len(src) && src[i] == c {
			i++
		}
		l.off = i
		t.t, insert = token.STRING, true
		if c == '\'' {
			t.t = token.CHAR
		}
	case c == '`':
		i := start + 1
		for i < len(src) && src[i] != '`' {
			if src[i] == '\n' {
				l.line++
			}
			i++
		}
		if i < len(src) {
			i++
		}
		l.off = i
		t.t, insert = token.STRING, true
	default:
		t.t = l.operator()
		switch t.t {
		case token.RPAREN, token.RBRACK, token.RBRACE, token.INC, token.DEC:
			insert = true
		case token.ILLEGAL:
			insert = l.insertSemi // go/scanner keeps the state over an illegal character
		}
	}
	t.end, t.endLine = l.off, l.line
	l.insertSemi = insert
	return t
}

// letterAt reports whether the rune at i is a letter.
func (l *lexer) letterAt(i int) bool {
	r, _ := utf8.DecodeRune(l.src[i:])
	return unicode.IsLetter(r)
}

// number reads a number literal: digits, letters, underscores and points,
// and a sign right after an exponent (e, or p in a hexadecimal number).
func (l *lexer) number() {
	src := l.src
	i := l.off
	hex := src[i] == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X')
	for i < len(src) {
		b := src[i]
		switch {
		case isDigit(b) || isLetter(b) || b == '.':
			i++
		case (b == '+' || b == '-') && i > l.off:
			p := src[i-1] | 0x20 // lower case
			if hex && p == 'p' || !hex && p == 'e' {
				i++
				continue
			}
			l.off = i
			return
		default:
			l.off = i
			return
		}
	}
	l.off = i
}

// operators by their first byte, longest first.
var operators = [128][]struct {
	s string
	t token.Token
}{
	'+': {{"+=", token.ADD_ASSIGN}, {"++", token.INC}, {"+", token.ADD}},
	'-': {{"-=", token.SUB_ASSIGN}, {"--", token.DEC}, {"-", token.SUB}},
	'*': {{"*=", token.MUL_ASSIGN}, {"*", token.MUL}},
	'/': {{"/=", token.QUO_ASSIGN}, {"/", token.QUO}},
	'%': {{"%=", token.REM_ASSIGN}, {"%", token.REM}},
	'&': {{"&^=", token.AND_NOT_ASSIGN}, {"&^", token.AND_NOT}, {"&&", token.LAND}, {"&=", token.AND_ASSIGN}, {"&", token.AND}},
	'|': {{"||", token.LOR}, {"|=", token.OR_ASSIGN}, {"|", token.OR}},
	'^': {{"^=", token.XOR_ASSIGN}, {"^", token.XOR}},
	'<': {{"<<=", token.SHL_ASSIGN}, {"<<", token.SHL}, {"<=", token.LEQ}, {"<-", token.ARROW}, {"<", token.LSS}},
	'>': {{">>=", token.SHR_ASSIGN}, {">>", token.SHR}, {">=", token.GEQ}, {">", token.GTR}},
	'=': {{"==", token.EQL}, {"=", token.ASSIGN}},
	'!': {{"!=", token.NEQ}, {"!", token.NOT}},
	':': {{":=", token.DEFINE}, {":", token.COLON}},
	'.': {{"...", token.ELLIPSIS}, {".", token.PERIOD}},
	'~': {{"~", token.TILDE}},
	'(': {{"(", token.LPAREN}},
	')': {{")", token.RPAREN}},
	'[': {{"[", token.LBRACK}},
	']': {{"]", token.RBRACK}},
	'{': {{"{", token.LBRACE}},
	'}': {{"}", token.RBRACE}},
	',': {{",", token.COMMA}},
	';': {{";", token.SEMICOLON}},
}

// operator reads the operator at l.off; token.ILLEGAL (one byte, or one
// rune) when there is none.
func (l *lexer) operator() token.Token {
	src := l.src
	c := src[l.off]
	if c < utf8.RuneSelf {
		for _, op := range operators[c] {
			if len(src)-l.off >= len(op.s) && string(src[l.off:l.off+len(op.s)]) == op.s {
				l.off += len(op.s)
				return op.t
			}
		}
		l.off++
		return token.ILLEGAL
	}
	_, n := utf8.DecodeRune(src[l.off:])
	l.off += n
	return token.ILLEGAL
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }

// appendToken appends a token's text as go/scanner's lit gives it: its
// source, or for a raw string its source without carriage returns.
func appendToken(b []byte, t token.Token, text []byte) []byte {
	if t == token.STRING && len(text) > 0 && text[0] == '`' {
		for _, c := range text {
			if c != '\r' {
				b = append(b, c)
			}
		}
		return b
	}
	return append(b, text...)
}
