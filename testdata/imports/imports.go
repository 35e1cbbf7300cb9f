// Package imports renders in pieces as it renders whole: imports met only
// in later pieces, context aliased because the package declares the name,
// and two imports that want one name, template (the file is then rendered
// whole). See importsnoclash for the same without the clash.
package imports

import (
	htemplate "html/template"
	"net/url"
	"text/template"
	"time"
)

var context = 1

//result:task
func A(n int) int { return n + context }

//result:task
func B(u url.URL) string { return u.String() }

//result:task
func C(d time.Duration) time.Duration { return d }

//result:task
func D(n int) *template.Template { return nil }

//result:task
func E(n int) *htemplate.Template { return nil }
