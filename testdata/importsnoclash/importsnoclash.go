// Package importsnoclash is case imports without E: imports met only in
// later pieces and context aliased, and no two imports that want one name.
package importsnoclash

import (
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
