package annotations_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/annotations"
)

// encrypt is a boolean key of tasks and flows; encrypt=true with
// persist=false is an error at generate time (nothing would be encrypted).
func TestEncryptKey(t *testing.T) {
	parse := func(item string) (*annotations.Directive, []string) {
		src := "package p\n\n//result:" + item + "\nfunc F(x int) (int, error) { return x, nil }\n"
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		d, errs := annotations.Parse(fset, file.Decls[0].(*ast.FuncDecl))
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return d, msgs
	}
	for item, want := range map[string]bool{"task encrypt": true, "flow encrypt=false": false, "task persist encrypt=true": true} {
		d, errs := parse(item)
		if len(errs) > 0 || d.Encrypt == nil || d.Encrypt.Value != want {
			t.Errorf("%s: %v, %+v", item, errs, d)
		}
	}
	_, errs := parse("task persist=false encrypt=true")
	if len(errs) != 1 || !strings.Contains(errs[0], "encrypt=true with persist=false") {
		t.Errorf("persist=false encrypt=true: %v", errs)
	}
	_, errs = parse("task encrypt=maybe")
	if len(errs) != 1 {
		t.Errorf("encrypt=maybe: %v", errs)
	}
}
