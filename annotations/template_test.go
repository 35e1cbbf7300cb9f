package annotations

import (
	"errors"
	"fmt"
	"go/token"
	"reflect"
	"strings"
	"testing"
)

// partsString renders parts as "offset:literal" and "offset:{ref}" items.
func partsString(parts []TemplatePart) string {
	var b []string
	for _, p := range parts {
		if p.Ref != nil {
			b = append(b, fmt.Sprintf("%d:{%s}", p.Offset, p.Ref))
		} else {
			b = append(b, fmt.Sprintf("%d:%q", p.Offset, p.Literal))
		}
	}
	return strings.Join(b, " ")
}

func TestParseTemplateValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"out.json", `0:"out.json"`},
		{"hello-{parameters[name]}.json", `0:"hello-" 6:{parameters[name]} 24:".json"`},
		{"{parameters[cfg].Region.Code}", `0:{parameters[cfg].Region.Code}`},
		{"{flow_run.flow_name}_{flow_run.name}_hello.json", `0:{flow_run.flow_name} 20:"_" 21:{flow_run.name} 36:"_hello.json"`},
		{"{flow_run.id}/{flow_run.run_count}", `0:{flow_run.id} 13:"/" 14:{flow_run.run_count}`},
		{"{task_run.id}-{task_run.name}-{task_run.task_name}-{task_run.run_count}", `0:{task_run.id} 13:"-" 14:{task_run.name} 29:"-" 30:{task_run.task_name} 50:"-" 51:{task_run.run_count}`},
		{"a{{b}}c", `0:"a{b}c"`},
		{"{{{parameters[x]}}}", `0:"{" 2:{parameters[x]} 17:"}"`},
		{"reports/{parameters[year]}/q.csv", `0:"reports/" 8:{parameters[year]} 26:"/q.csv"`},
		{"{parameters[名前]}", `0:{parameters[名前]}`},
		{"a..b/.x", `0:"a..b/.x"`},
		{"{parameters[a]}/{parameters[b]}", `0:{parameters[a]} 15:"/" 16:{parameters[b]}`},
		{"{flow_run.parameters[region]}/x", `0:{flow_run.parameters[region]} 29:"/x"`},
		{"{flow_run.start_time:2006-01-02}/{flow_run.start_time:15:04}", `0:{flow_run.start_time:2006-01-02} 32:"/" 33:{flow_run.start_time:15:04}`},
		{"part-{task_run.map_index}", `0:"part-" 5:{task_run.map_index}`},
	}
	for _, tt := range tests {
		parts, err := ParseTemplate(tt.in)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.in, err)
			continue
		}
		if got := partsString(parts); got != tt.want {
			t.Errorf("ParseTemplate(%q) =\n %s\nwant\n %s", tt.in, got, tt.want)
		}
	}
	parts, _ := ParseTemplate("x{parameters[cfg].A.B}")
	r := parts[1].Ref
	if r.Root != "parameters" || r.Name != "cfg" || r.NameOffset != 13 || !reflect.DeepEqual(r.Fields, []string{"A", "B"}) ||
		!reflect.DeepEqual(r.FieldOffsets, []int{18, 20}) || r.NamePos != token.NoPos || parts[1].Pos != token.NoPos {
		t.Errorf("ref %+v", r)
	}
	parts, _ = ParseTemplate("{task_run.name}")
	if r := parts[0].Ref; r.Root != "task_run" || r.Name != "name" || r.NameOffset != 10 || r.Fields != nil {
		t.Errorf("ref %+v", r)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string // "offset: message part"
	}{
		{"", []string{"0: empty template"}},
		{"a{b", []string{"1: unclosed '{' (write {{ for a literal brace)"}},
		{"a{b{parameters[x]}", []string{"1: unclosed '{'"}},
		{"a}b", []string{"1: unmatched '}' (write }} for a literal brace)"}},
		{"{parameters[x]}}", []string{"15: unmatched '}'"}},
		{"x{}", []string{"1: empty reference {}"}},
		{"{parameter[x]}", []string{`1: unknown reference "parameter" (did you mean "parameters"?): want parameters, flow_run or task_run`}},
		{"{name}", []string{`1: unknown reference "name" (write {parameters[name]} for a parameter)`}},
		{"{flowrun.id}", []string{`1: unknown reference "flowrun" (did you mean "flow_run"?)`}},
		{"{ parameters[x]}", []string{`1: invalid reference { parameters[x]}`}},
		{"{flow_run.task_name}", []string{`10: unknown flow_run field "task_name": want id, name, flow_name, run_count, parameters or start_time`}},
		{"{task_run.flow_name}", []string{`10: unknown task_run field "flow_name": want id, name, task_name, run_count or map_index`}},
		{"{task_run.runcount}", []string{`10: unknown task_run field "runcount" (did you mean "run_count"?)`}},
		{"{flow_run}", []string{`1: flow_run needs a field: want flow_run.FIELD with FIELD one of id, name, flow_name, run_count, parameters or start_time`}},
		{"{flow_run.}", []string{`1: flow_run needs a field`}},
		{"{flow_run[id]}", []string{`9: unexpected '[' after flow_run`}},
		{"{flow_run.id.x}", []string{`12: unexpected '.' after flow_run.id`}},
		{"{parameters}", []string{`1: parameters needs a name: write {parameters[NAME]}`}},
		{"{parameters.x}", []string{`11: write parameters[NAME], not parameters.NAME`}},
		{"{parameters(x)}", []string{`11: unexpected '(' after parameters: want [NAME]`}},
		{"{parameters[x}", []string{`11: missing ] after parameters[`}},
		{"{parameters[]}", []string{`11: empty parameter name in parameters[]`}},
		{"{parameters[1x]}", []string{`12: invalid parameter name "1x": want a Go identifier`}},
		{`{parameters["x"]}`, []string{`12: write parameters[x] without quotes`}},
		{"{parameters[x]y}", []string{`14: unexpected 'y' after parameters[x]: want .Field or }`}},
		{"{parameters[x].}", []string{`14: missing field name after '.'`}},
		{"{parameters[x].A..B}", []string{`16: missing field name after '.'`}},
		{"{parameters[x].1}", []string{`15: invalid field name "1"`}},
		{"{{parameters[x]}}.json", []string{`0: {{parameters[x]}} is literal text ({{ and }} are escaped braces); write {parameters[x]} to insert the value`}},
		{"/abs/{parameters[x]}", []string{`0: storage key must be relative: remove the leading /`}},
		{"dir/", []string{`3: storage key must not end with /`}},
		{"a//b", []string{`2: empty path segment (//) in a storage key`}},
		{"a/../b", []string{`2: ".." path segment in a storage key`}},
		{"./a", []string{`0: "." path segment`}},
		{"a/./b", []string{`2: "." path segment`}},
		{"..", []string{`0: ".." path segment`}},
		{`a\b`, []string{`1: backslash in a storage key (separate folders with /)`}},
		{"a\x00b", []string{`1: NUL byte in a storage key`}},
		{"{flow_run.parameters}", []string{`20: flow_run.parameters needs a name: write {flow_run.parameters[NAME]}`}},
		{"{flow_run.parameters.x}", []string{`20: unexpected '.' after flow_run.parameters: want [NAME]`}},
		{"{flow_run.parameters[]}", []string{`20: empty parameter name in flow_run.parameters[]`}},
		{"{flow_run.parameters[1x]}", []string{`21: invalid parameter name "1x"`}},
		{"{flow_run.parameters[x].A}", []string{`23: unexpected '.' after flow_run.parameters[x]: a flow parameter is written whole`}},
		{"{flow_run.start_time}", []string{`10: flow_run.start_time needs a Go time layout: write {flow_run.start_time:2006-01-02}`}},
		{"{flow_run.start_time.x}", []string{`20: unexpected '.' after flow_run.start_time: want :LAYOUT`}},
		{"{flow_run.start_time:}", []string{`21: empty time layout after ':'`}},
		{"{flow_run.start_time:2006/01/02}", []string{`21: time layout "2006/01/02" writes a path separator ("2006/01/02")`}},
		{"{flow_run.start_time:%Y-%m-%d}", []string{`21: time layout "%Y-%m-%d" writes no part of the time (strftime's %Y is not a Go layout)`}},
		{"{flow_run.start_time:day}", []string{`21: time layout "day" writes no part of the time: Go layouts write the reference time`}},
		{"{flow_run.start_time:   }", []string{`21: time layout "   " writes nothing`}},
		{"{flow_run.id:2006}", []string{`12: flow_run.id takes no layout: only flow_run.start_time does`}},
		{"{task_run.start_time:2006}", []string{`10: unknown task_run field "start_time"`}},
		{"{task_run.map_index.x}", []string{`19: unexpected '.' after task_run.map_index`}},
		{"{map_index}", []string{`1: unknown reference {map_index}: write {task_run.map_index}`}},
		{"{task_run_id}", []string{`1: unknown reference {task_run_id}: write {task_run.id}`}},
		{"{date:%Y-%d}", []string{`1: unknown reference {date:%Y-%d}: write {flow_run.start_time:2006-01-02}`}},
		{"{task_loop_count}", []string{`1: unknown reference {task_loop_count}: write {parameters[NAME]} with the loop's index`}},
		// All errors, in order.
		{"}{x}/{flow_run.nope}{", []string{`0: unmatched '}'`, `2: unknown reference "x"`, `15: unknown flow_run field "nope"`, `20: unclosed '{'`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseTemplate(tt.in)
			var got []string
			var list TemplateErrors
			if err != nil && !errors.As(err, &list) {
				t.Fatalf("error %T is not TemplateErrors", err)
			}
			for _, e := range list {
				got = append(got, fmt.Sprintf("%d: %s", e.Offset, e.Msg))
			}
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				off, text, _ := strings.Cut(tt.want[i], " ")
				ok = strings.HasPrefix(got[i], off+" ") && strings.Contains(got[i], text)
			}
			if !ok {
				t.Errorf("ParseTemplate(%q) errors:\n got %q\nwant %q", tt.in, got, tt.want)
			}
			var first *TemplateError
			if len(tt.want) > 0 && (!errors.As(err, &first) || first != list[0]) {
				t.Errorf("errors.As(*TemplateError) = %v", first)
			}
		})
	}
}

// TestTemplatePositions checks that template errors and parts land on the
// exact column of the source, for bare and quoted values.
func TestTemplatePositions(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{`//result:task storage_key=a}b`, []string{`3:28: task F: storage_key: unmatched '}'`}},
		{`//result:task storage_key="a}b"`, []string{`3:29: storage_key: unmatched '}'`}},
		{`//result:task storage_key="a b}"`, []string{`3:31: storage_key: unmatched '}'`}},
		{`//result:task storage_key="\x41\u00e9}"`, []string{`3:38: storage_key: unmatched '}'`}},
		{`//result:task storage_key="{parameters[1]}"`, []string{`3:40: storage_key: invalid parameter name "1"`}},
		{`//result:task storage_key=/x`, []string{`3:27: storage_key: storage key must be relative`}},
		{`//result:task storage_key="x/"`, []string{`3:29: storage_key: storage key must not end with /`}},
		{`//result:task storage_key="é/}"`, []string{`3:31: storage_key: unmatched '}'`}},
		{`//result:task storage_key={x}{y}`, []string{`3:28: unknown reference "x"`, `3:31: unknown reference "y"`}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			fset, _, errs := parseSrc(t, funcSrc(tt.line))
			matchErrors(t, fset, errs, tt.want)
		})
	}

	fset, d, errs := one(t, `//result:task storage_key="\t{flow_run.id}/{parameters[p].X}"`)
	matchErrors(t, fset, errs, nil)
	var got []string
	for _, p := range d.StorageKey.Parts {
		got = append(got, fset.Position(p.Pos).String())
		if p.Ref != nil {
			got = append(got, "name@"+fset.Position(p.Ref.NamePos).String())
			for _, fp := range p.Ref.FieldPos {
				got = append(got, "field@"+fset.Position(fp).String())
			}
		}
	}
	want := "x.go:3:28 x.go:3:30 name@x.go:3:40 x.go:3:43 x.go:3:44 name@x.go:3:56 field@x.go:3:59"
	if strings.Join(got, " ") != want {
		t.Errorf("positions\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestKeysAndErrorStrings(t *testing.T) {
	keys := Keys()
	if len(keys) != len(keyTable) {
		t.Errorf("Keys() has %d keys, the table %d", len(keys), len(keyTable))
	}
	for _, k := range keys {
		if _, ok := keyTable[k]; !ok {
			t.Errorf("key %q is not in the table", k)
		}
	}
	_, err := ParseTemplate("}{x}")
	if got, want := err.Error(), `offset 0: unmatched '}' (write }} for a literal brace); offset 2: unknown reference "x" (write {parameters[x]} for a parameter): want parameters, flow_run or task_run`; got != want {
		t.Errorf("Error() =\n %s\nwant\n %s", got, want)
	}
	if got := FlowRunFields(); strings.Join(got, ",") != "id,name,flow_name,run_count,parameters,start_time" {
		t.Errorf("FlowRunFields() = %v", got)
	}
	if got := TaskRunFields(); strings.Join(got, ",") != "id,name,task_name,run_count,map_index" {
		t.Errorf("TaskRunFields() = %v", got)
	}
}
