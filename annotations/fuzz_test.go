package annotations

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// FuzzParse attaches arbitrary comment text to a function and checks that
// parsing never panics and that every error, item and template part lies
// within the directive comments. Each input line that does not start with
// "//" becomes a "//result:" line.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"task",
		"flow persist=false",
		"task name=\"a b\" persist storage=s3://bucket/x storage_key=k-{parameters[x].F}.json",
		"task storage_key=\"\\t{flow_run.id}/{{x}}/}\"",
		"task serializer=compressed/json compression=gzip\ncache_policy=inputs-a-b+task_source",
		"task cache_key_fn=f cache_expiration=1h refresh_cache=true isolation=serializable retries=3 retry_delay=1s",
		"task name=\"\\x4\" storage_key={ storage_key=}",
		"flow storage_key=x cache_policy=none+inputs",
		"task task flow =x name=",
		"// prose\ntask\n//result:retries=x",
		"task name=\"unterminated",
		"task name=\"\\u00e9\"x",
		"task storage_key=\"\\\"{parameters[\\u00e9]}\\\"\"",
		"task storage=local: storage=gcs://b",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, "//") {
				lines[i] = Prefix + l
			}
		}
		content := strings.Join(lines, "\n") + "\n"
		fset := token.NewFileSet()
		file := fset.AddFile("fuzz.go", -1, len(content)+1)
		file.SetLinesForContent([]byte(content))
		group := &ast.CommentGroup{}
		off := 0
		hasDirective := false
		for _, l := range lines {
			group.List = append(group.List, &ast.Comment{Slash: file.Pos(off), Text: l})
			hasDirective = hasDirective || IsDirective(l)
			off += len(l) + 1
		}
		decl := &ast.FuncDecl{Doc: group, Name: ast.NewIdent("F"), Type: &ast.FuncType{Params: &ast.FieldList{}}}
		d, errs := Parse(fset, decl)
		if (d != nil) != hasDirective {
			t.Fatalf("directive %v, but directive lines: %v", d, hasDirective)
		}
		checkWithin(t, group.List, d, errs)

		// The same text in a real file, through ParseFile.
		src := "package p\n\n" + content + "func F() {}\n"
		fset = token.NewFileSet()
		af, err := parser.ParseFile(fset, "fuzz.go", src, parser.ParseComments)
		if err != nil {
			return
		}
		var all []*ast.Comment
		for _, g := range af.Comments {
			all = append(all, g.List...)
		}
		dirs, errs := ParseFile(fset, af)
		if len(dirs) > 1 {
			t.Fatalf("%d directives from one function", len(dirs))
		}
		var d2 *Directive
		if len(dirs) == 1 {
			d2 = dirs[0]
		}
		checkWithin(t, all, d2, errs)

		// The text as a template.
		_, err = ParseTemplate(text)
		if list, ok := err.(TemplateErrors); ok {
			for _, e := range list {
				if e.Offset < 0 || (e.Offset >= len(text) && !(text == "" && e.Offset == 0)) || e.Msg == "" {
					t.Fatalf("template error %q at offset %d of %d", e.Msg, e.Offset, len(text))
				}
			}
		} else if err != nil {
			t.Fatalf("template error of type %T", err)
		}
	})
}

func checkWithin(t *testing.T, comments []*ast.Comment, d *Directive, errs []Error) {
	t.Helper()
	within := func(p token.Pos) bool {
		for _, c := range comments {
			if c.Slash <= p && p < c.End() {
				return true
			}
		}
		return false
	}
	for i, e := range errs {
		if !within(e.Pos) {
			t.Fatalf("error %q at %d is outside the comments", e.Msg, e.Pos)
		}
		if e.Msg == "" || strings.HasSuffix(e.Msg, ".") {
			t.Fatalf("bad message %q", e.Msg)
		}
		if i > 0 && errs[i-1].Pos > e.Pos {
			t.Fatalf("errors not sorted: %v", errs)
		}
	}
	if d == nil {
		return
	}
	var items []*Item
	add := func(set bool, it func() *Item) {
		if set {
			items = append(items, it())
		}
	}
	add(d.Name != nil, func() *Item { return &d.Name.Item })
	add(d.Persist != nil, func() *Item { return &d.Persist.Item })
	add(d.Storage != nil, func() *Item { return &d.Storage.Item })
	add(d.StorageKey != nil, func() *Item { return &d.StorageKey.Item })
	add(d.Serializer != nil, func() *Item { return &d.Serializer.Item })
	add(d.Compression != nil, func() *Item { return &d.Compression.Item })
	add(d.CacheInMemory != nil, func() *Item { return &d.CacheInMemory.Item })
	add(d.CachePolicy != nil, func() *Item { return &d.CachePolicy.Item })
	add(d.CacheKeyFn != nil, func() *Item { return &d.CacheKeyFn.Item })
	add(d.CacheExpiration != nil, func() *Item { return &d.CacheExpiration.Item })
	add(d.RefreshCache != nil, func() *Item { return &d.RefreshCache.Item })
	add(d.Isolation != nil, func() *Item { return &d.Isolation.Item })
	add(d.Retries != nil, func() *Item { return &d.Retries.Item })
	add(d.RetryDelay != nil, func() *Item { return &d.RetryDelay.Item })
	if !within(d.Pos) || d.KindPos.IsValid() && !within(d.KindPos) {
		t.Fatalf("directive at %d, kind at %d: outside the comments", d.Pos, d.KindPos)
	}
	for _, it := range items {
		if !within(it.Pos) || !within(it.ValuePos) {
			t.Fatalf("item %q at %d/%d is outside the comments", it.Key, it.Pos, it.ValuePos)
		}
	}
	if d.StorageKey != nil {
		for _, p := range d.StorageKey.Parts {
			if !within(p.Pos) || p.Ref != nil && !within(p.Ref.NamePos) {
				t.Fatalf("template part %+v is outside the comments", p)
			}
		}
	}
}
