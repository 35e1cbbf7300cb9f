// Package directive has //result: directives that do not parse (check
// directive): review reports them as resultgen does at generate time.
package directive

// want +2 `unknown key "persit"`
//
//result:task persit=true
func Typo() int { return 0 }

// want +2 `persist`
//
//result:task persist=maybe
func Maybe() int { return 0 }

// A directive that parses is no finding.
//
//result:task persist=true
func Fine() int { return 0 }
