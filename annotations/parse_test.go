package annotations

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/suggest"
)

// parseSrc parses a Go file and runs ParseFile on it.
func parseSrc(t testing.TB, src string) (*token.FileSet, []*Directive, []Error) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	dirs, errs := ParseFile(fset, f)
	return fset, dirs, errs
}

// funcSrc puts doc lines (line 3 on) above "func F(name string) {}".
func funcSrc(doc ...string) string {
	return "package p\n\n" + strings.Join(doc, "\n") + "\nfunc F(name string) {}\n"
}

// render formats errors as "line:col: msg".
func render(fset *token.FileSet, errs []Error) []string {
	var out []string
	for _, e := range errs {
		p := fset.Position(e.Pos)
		out = append(out, fmt.Sprintf("%d:%d: %s", p.Line, p.Column, e.Msg))
	}
	return out
}

// matchErrors checks errs against want, each "line:col: text" where text
// must be contained in the message.
func matchErrors(t *testing.T, fset *token.FileSet, errs []Error, want []string) {
	t.Helper()
	got := render(fset, errs)
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		lc, text, _ := strings.Cut(want[i], " ")
		g := got[i]
		if !strings.HasPrefix(g, lc+" ") || !strings.Contains(g[len(lc)+1:], text) {
			ok = false
		}
	}
	if !ok {
		t.Errorf("errors:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

func one(t *testing.T, doc ...string) (*token.FileSet, *Directive, []Error) {
	t.Helper()
	fset, dirs, errs := parseSrc(t, funcSrc(doc...))
	if len(dirs) != 1 {
		t.Fatalf("got %d directives, want 1 (errors %v)", len(dirs), render(fset, errs))
	}
	return fset, dirs[0], errs
}

func TestValidDirective(t *testing.T) {
	fset, d, errs := one(t,
		"// F says hello.",
		"//",
		"//result:task name=\"hello world\" persist",
		"//result:storage=s3://my-bucket/results/ storage_key=hello-{parameters[name]}.json",
		"//result:\tserializer=compressed/json compression=gzip",
		"//result:cache_in_memory=false cache_policy=inputs-name+task_source cache_key_fn=keyFor",
		"//result:cache_expiration=1h30m refresh_cache=true isolation=serializable retries=3 retry_delay=2s",
	)
	matchErrors(t, fset, errs, nil)
	pos := func(p token.Pos) string { q := fset.Position(p); return fmt.Sprintf("%d:%d", q.Line, q.Column) }
	if d.Func != "F" || d.Kind != Task || pos(d.Pos) != "5:1" || pos(d.KindPos) != "5:10" {
		t.Errorf("func %q kind %v pos %s kindpos %s", d.Func, d.Kind, pos(d.Pos), pos(d.KindPos))
	}
	if d.Name.Value != "hello world" || pos(d.Name.Pos) != "5:15" || pos(d.Name.ValuePos) != "5:20" {
		t.Errorf("name %+v at %s value at %s", d.Name, pos(d.Name.Pos), pos(d.Name.ValuePos))
	}
	if !d.Persist.Value || d.Persist.ValuePos != d.Persist.Pos || pos(d.Persist.Pos) != "5:34" {
		t.Errorf("persist %+v at %s", d.Persist, pos(d.Persist.Pos))
	}
	wantStorage := Storage{Raw: "s3://my-bucket/results/", Scheme: "s3", Path: "my-bucket/results", Bucket: "my-bucket", Prefix: "results"}
	gotStorage := *d.Storage
	gotStorage.Item = Item{}
	if gotStorage != wantStorage || pos(d.Storage.ValuePos) != "6:18" {
		t.Errorf("storage %+v at %s", gotStorage, pos(d.Storage.ValuePos))
	}
	if d.StorageKey.Raw != "hello-{parameters[name]}.json" || len(d.StorageKey.Parts) != 3 {
		t.Fatalf("storage key %+v", d.StorageKey)
	}
	ref := d.StorageKey.Parts[1]
	if ref.Ref == nil || ref.Ref.Name != "name" || pos(ref.Pos) != "6:60" || pos(ref.Ref.NamePos) != "6:72" {
		t.Errorf("ref part %+v at %s name at %s", ref, pos(ref.Pos), pos(ref.Ref.NamePos))
	}
	if s := d.Serializer; s.Builtin != "json" || !s.Compressed || s.Ident != "" || pos(s.Pos) != "7:11" {
		t.Errorf("serializer %+v", s)
	}
	if d.Compression.Value != "gzip" || d.CacheInMemory.Value {
		t.Errorf("compression %+v cache_in_memory %+v", d.Compression, d.CacheInMemory)
	}
	if p := d.CachePolicy; !reflect.DeepEqual(p.Parts, []string{"inputs", "task_source"}) || !reflect.DeepEqual(p.Drop, []string{"name"}) {
		t.Errorf("policy %+v", p)
	}
	if d.CacheKeyFn.Value != "keyFor" || d.CacheExpiration.Value != 90*time.Minute || !d.RefreshCache.Value {
		t.Errorf("cache_key_fn %+v expiration %+v refresh %+v", d.CacheKeyFn, d.CacheExpiration, d.RefreshCache)
	}
	if d.Isolation.Value != "serializable" || d.Retries.Value != 3 || d.RetryDelay.Value != 2*time.Second {
		t.Errorf("isolation %+v retries %+v delay %+v", d.Isolation, d.Retries, d.RetryDelay)
	}
}

func TestNoDirective(t *testing.T) {
	for _, doc := range []string{
		"// F has a plain doc comment.",
		"// Result: the greeting (prose: \"the\" is no directive key).",
		"/*result:task*/",
		"//go:noinline",
	} {
		_, dirs, errs := parseSrc(t, funcSrc(doc))
		if len(dirs) != 0 || len(errs) != 0 {
			t.Errorf("%q: got %d directives, errors %v", doc, len(dirs), errs)
		}
	}
	d, errs := Parse(token.NewFileSet(), &ast.FuncDecl{Name: ast.NewIdent("F")})
	if d != nil || errs != nil {
		t.Errorf("Parse without doc: %v %v", d, errs)
	}
}

func TestFlow(t *testing.T) {
	fset, d, errs := one(t, "//result:flow persist=false storage=memory serializer=mySer retries=0 retry_delay=1m name=nightly")
	matchErrors(t, fset, errs, nil)
	if d.Kind != Flow || d.Persist.Value || d.Storage.Scheme != "memory" || d.Serializer.Ident != "mySer" ||
		d.Retries.Value != 0 || d.RetryDelay.Value != time.Minute || d.Name.Value != "nightly" {
		t.Errorf("directive %+v", d)
	}
}

// TestValues covers every key with valid and invalid values. Each case is
// one directive line at line 3; want holds "line:col: message part".
func TestValues(t *testing.T) {
	tests := []struct {
		line  string
		want  []string
		check func(*Directive) bool
	}{
		// name
		{line: `//result:task name=x`, check: func(d *Directive) bool { return d.Name.Value == "x" }},
		{line: `//result:task name=""`, want: []string{`3:20: task F: name must not be empty`}},
		{line: `//result:task name`, want: []string{`3:15: task F: name needs a value: write name=VALUE`}},
		{line: `//result:task name=`, want: []string{`3:15: task F: missing value after name=`}},
		// persist
		{line: `//result:task persist=true`, check: func(d *Directive) bool { return d.Persist.Value }},
		{line: `//result:task persist=false`, check: func(d *Directive) bool { return !d.Persist.Value }},
		{line: `//result:task persist="true"`, check: func(d *Directive) bool { return d.Persist.Value }},
		{line: `//result:task persist=yes`, want: []string{`3:23: task F: invalid persist "yes": want true or false`}},
		{line: `//result:task persist=True`, want: []string{`3:23: invalid persist "True"`}},
		// cache_in_memory, refresh_cache
		{line: `//result:task cache_in_memory=false`, check: func(d *Directive) bool { return !d.CacheInMemory.Value }},
		{line: `//result:task cache_in_memory=1`, want: []string{`3:31: invalid cache_in_memory "1": want true or false`}},
		{line: `//result:task cache_in_memory`, check: func(d *Directive) bool { return d.CacheInMemory.Value }},
		{line: `//result:task refresh_cache=true`, check: func(d *Directive) bool { return d.RefreshCache.Value }},
		{line: `//result:task refresh_cache`, check: func(d *Directive) bool { return d.RefreshCache.Value }},
		{line: `//result:task refresh_cache=on`, want: []string{`3:29: invalid refresh_cache "on"`}},
		// storage
		{line: `//result:task storage=local`, check: func(d *Directive) bool { return d.Storage.Scheme == "local" && d.Storage.Path == "" }},
		{line: `//result:task storage=local:./out`, check: func(d *Directive) bool { return d.Storage.Scheme == "local" && d.Storage.Path == "./out" }},
		{line: `//result:task storage="local:/tmp/my results"`, check: func(d *Directive) bool { return d.Storage.Path == "/tmp/my results" }},
		{line: `//result:task storage=memory`, check: func(d *Directive) bool { return d.Storage.Scheme == "memory" }},
		{line: `//result:task storage=s3://bucket`, check: func(d *Directive) bool {
			return d.Storage.Scheme == "s3" && d.Storage.Bucket == "bucket" && d.Storage.Prefix == "" && d.Storage.Path == "bucket"
		}},
		{line: `//result:task storage=s3://my.bucket-1/a/b`, check: func(d *Directive) bool {
			return d.Storage.Path == "my.bucket-1/a/b" && d.Storage.Prefix == "a/b"
		}},
		{line: `//result:task storage=s3/prod`, check: func(d *Directive) bool {
			return d.Storage.Scheme == "block" && d.Storage.Path == "s3/prod" && d.Storage.BlockType == "s3" && d.Storage.BlockName == "prod"
		}},
		{line: `//result:task storage=local:`, want: []string{`3:23: invalid storage "local:": local: needs a path`}},
		{line: `//result:task storage=s3://`, want: []string{`3:27: invalid storage "s3://": missing bucket name`}},
		{line: `//result:task storage=s3://ab`, want: []string{`3:28: bucket name "ab" must be 3 to 63 characters long`}},
		{line: `//result:task storage=s3://My_Bucket/x`, want: []string{`3:28: bucket name "My_Bucket" may hold only lowercase letters, digits, '.' and '-'`}},
		{line: `//result:task storage=s3://-bucket/x`, want: []string{`3:28: must start and end with a letter or digit`}},
		{line: `//result:task storage=s3://my..bucket`, want: []string{`3:30: bucket name "my..bucket" must not hold ".."`}},
		{line: `//result:task storage=s3://192.168.1.10`, want: []string{`3:28: must not look like an IP address`}},
		{line: `//result:task storage=s3://xn--bucket`, want: []string{`3:28: must not start with "xn--"`}},
		{line: `//result:task storage=s3://bucket-s3alias`, want: []string{`3:34: must not end with "-s3alias"`}},
		{line: `//result:task storage=s3://bucket/a//b`, want: []string{`3:35: prefix: storage: invalid key "a//b": empty segment`}},
		{line: `//result:task storage=s3://bucket/../b`, want: []string{`3:35: prefix: storage: invalid key "../b": ".." segment`}},
		{line: `//result:task storage=gcs://bucket`, want: []string{`3:23: invalid storage "gcs://bucket": unknown scheme "gcs"`}},
		{line: `//result:task storage=s3:bucket`, want: []string{`3:23: write s3://BUCKET/PREFIX`}},
		{line: `//result:task storage=S3/prod`, want: []string{`3:23: block type "S3" must be lowercase letters and digits, with single hyphens between them`}},
		{line: `//result:task storage=s3/`, want: []string{`3:25: block name "" must be`}},
		{line: `//result:task storage=s3/a/b`, want: []string{`3:26: block name "a/b" must be`}},
		{line: `//result:task storage=s3/Prod`, want: []string{`3:26: block name "Prod" must be lowercase letters, digits`}},
		{line: `//result:task storage=locl`, want: []string{`3:23: invalid storage "locl": want local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug TYPE/NAME such as s3/prod (did you mean "local"?)`}},
		// serializer and compression
		{line: `//result:task serializer=msgpack`, check: func(d *Directive) bool { return d.Serializer.Builtin == "msgpack" && !d.Serializer.Compressed }},
		{line: `//result:task serializer=gob`, check: func(d *Directive) bool { return d.Serializer.Builtin == "gob" }},
		{line: `//result:task serializer=compressed/msgpack`, check: func(d *Directive) bool {
			return d.Serializer.Builtin == "msgpack" && d.Serializer.Compressed && d.Compression == nil
		}},
		{line: `//result:task serializer=compressed/gob compression=zstd`, check: func(d *Directive) bool { return d.Compression.Value == "zstd" }},
		{line: `//result:task serializer=compressed/gob compression=zlib`, check: func(d *Directive) bool { return d.Compression.Value == "zlib" }},
		{line: `//result:task serializer=mySerializer`, check: func(d *Directive) bool { return d.Serializer.Ident == "mySerializer" && d.Serializer.Builtin == "" }},
		{line: `//result:task serializer=codec.Pickle`, check: func(d *Directive) bool { return d.Serializer.Ident == "codec.Pickle" }},
		{line: `//result:task serializer=compressed/jsn`, want: []string{`3:37: invalid serializer "compressed/jsn" (did you mean "json"?): want compressed/msgpack, compressed/json or compressed/gob`}},
		{line: `//result:task serializer=compressed`, want: []string{`3:26: invalid serializer "compressed": name the format`}},
		{line: `//result:task serializer=a.b.c`, want: []string{`3:26: invalid serializer "a.b.c": want msgpack, json, gob, compressed/<one of those>, or the Go identifier of a serializer value`}},
		{line: `//result:task serializer=_`, want: []string{`3:26: invalid serializer "_"`}},
		{line: `//result:task serializer=json/compressed`, want: []string{`3:26: invalid serializer "json/compressed"`}},
		{line: `//result:task compression=zstd`, want: []string{`3:15: task F: compression applies only to compressed/* serializers: no serializer is set`}},
		{line: `//result:task serializer=json compression=gzip`, want: []string{`3:31: compression applies only to compressed/* serializers: the serializer is "json"`}},
		{line: `//result:task serializer=compressed/json compression=lz4`, want: []string{`3:54: invalid compression "lz4": want zstd, gzip or zlib`}},
		{line: `//result:task serializer=compressed/json compression=gzp`, want: []string{`3:54: invalid compression "gzp" (did you mean "gzip"?)`}},
		{line: `//result:task serializer=compressed/xml compression=gzip`, want: []string{`3:37: invalid serializer "compressed/xml"`}}, // no cascade
		// cache_policy
		{line: `//result:task cache_policy=default`, check: func(d *Directive) bool { return reflect.DeepEqual(d.CachePolicy.Parts, []string{"default"}) }},
		{line: `//result:task cache_policy=none`, check: func(d *Directive) bool { return reflect.DeepEqual(d.CachePolicy.Parts, []string{"none"}) }},
		{line: `//result:task cache_policy=inputs+task_source+run_id+flow_parameters`, check: func(d *Directive) bool {
			return reflect.DeepEqual(d.CachePolicy.Parts, []string{"inputs", "task_source", "run_id", "flow_parameters"}) && d.CachePolicy.Drop == nil
		}},
		{line: `//result:task cache_policy=default+flow_parameters`, check: func(d *Directive) bool { return len(d.CachePolicy.Parts) == 2 }},
		{line: `//result:task cache_policy=inputs-a-b+run_id`, check: func(d *Directive) bool {
			return reflect.DeepEqual(d.CachePolicy.Parts, []string{"inputs", "run_id"}) && reflect.DeepEqual(d.CachePolicy.Drop, []string{"a", "b"})
		}},
		{line: `//result:task cache_policy=none+inputs`, want: []string{`3:28: none cannot be combined with other cache policies`}},
		{line: `//result:task cache_policy=inputs+run_id+inputs`, want: []string{`3:42: inputs given twice in cache_policy`}},
		{line: `//result:task cache_policy=inputs+inputs-a`, want: []string{`3:35: inputs given twice`}},
		{line: `//result:task cache_policy=run_id+run_id`, want: []string{`3:35: duplicate "run_id" in cache_policy`}},
		{line: `//result:task cache_policy=default+run_id`, want: []string{`3:36: default already includes run_id`}},
		{line: `//result:task cache_policy=task_source+default`, want: []string{`3:40: default already includes task_source`}},
		{line: `//result:task cache_policy=input+run_id`, want: []string{`3:28: unknown cache policy "input" (did you mean "inputs"?): want default, none, inputs, task_source, run_id or flow_parameters joined with +`}},
		{line: `//result:task cache_policy=inputs++run_id`, want: []string{`3:34: empty part in cache_policy "inputs++run_id" (a stray +)`}},
		{line: `//result:task cache_policy=+inputs`, want: []string{`3:28: empty part`}},
		{line: `//result:task cache_policy=inputs-`, want: []string{`3:34: missing parameter name after - in "inputs-"`}},
		{line: `//result:task cache_policy=inputs-1x`, want: []string{`3:35: invalid parameter name "1x" in "inputs-1x"`}},
		{line: `//result:task cache_policy=inputs-a-a`, want: []string{`3:37: parameter "a" dropped twice`}},
		// cache_key_fn
		{line: `//result:task cache_key_fn=keyFn`, check: func(d *Directive) bool { return d.CacheKeyFn.Value == "keyFn" }},
		{line: `//result:task cache_key_fn=pkg.Key`, want: []string{`3:28: invalid cache_key_fn "pkg.Key": want the name of a func in this package`}},
		{line: `//result:task cache_key_fn=func`, want: []string{`3:28: invalid cache_key_fn "func"`}},
		// durations
		{line: `//result:task cache_expiration=24h`, check: func(d *Directive) bool { return d.CacheExpiration.Value == 24*time.Hour }},
		{line: `//result:task cache_expiration=1d`, want: []string{`3:32: invalid cache_expiration "1d": want a Go duration such as 90s, 15m or 24h (write 24h for 1d)`}},
		{line: `//result:task cache_expiration=0s`, want: []string{`3:32: invalid cache_expiration "0s": must be greater than zero`}},
		{line: `//result:task cache_expiration=-1m`, want: []string{`3:32: must be greater than zero`}},
		{line: `//result:task retry_delay=500ms`, check: func(d *Directive) bool { return d.RetryDelay.Value == 500*time.Millisecond }},
		{line: `//result:task retry_delay=10`, want: []string{`3:27: invalid retry_delay "10": want a Go duration`}},
		// retries
		{line: `//result:task retries=0`, check: func(d *Directive) bool { return d.Retries != nil && d.Retries.Value == 0 }},
		{line: `//result:task retries=5`, check: func(d *Directive) bool { return d.Retries.Value == 5 }},
		{line: `//result:task retries=-1`, want: []string{`3:23: invalid retries "-1": must be >= 0`}},
		{line: `//result:task retries=three`, want: []string{`3:23: invalid retries "three": want a whole number >= 0`}},
		{line: `//result:task retries=99999999999999999999`, want: []string{`3:23: invalid retries "99999999999999999999": too large`}},
		// isolation
		{line: `//result:task isolation=read_committed`, check: func(d *Directive) bool { return d.Isolation.Value == "read_committed" }},
		{line: `//result:task isolation=serializable`, check: func(d *Directive) bool { return d.Isolation.Value == "serializable" }},
		{line: `//result:task isolation=serialisable`, want: []string{`3:25: invalid isolation "serialisable" (did you mean "serializable"?): want read_committed or serializable`}},
		// storage_key (templates have their own tests)
		{line: `//result:task storage_key=out.json`, check: func(d *Directive) bool { return d.StorageKey.Parts[0].Literal == "out.json" }},
		{line: `//result:task storage_key=""`, want: []string{`3:27: task F: empty storage_key template`}},
		{line: `//result:task storage_key={flow_run.nme}`, want: []string{`3:37: storage_key: unknown flow_run field "nme" (did you mean "name"?): want id, name, flow_name, run_count, parameters or start_time`}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			fset, d, errs := one(t, tt.line)
			matchErrors(t, fset, errs, tt.want)
			if tt.check != nil && !tt.check(d) {
				t.Errorf("directive: %+v", d)
			}
		})
	}
}

// TestErrorClasses covers the errors that are not about one value.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name string
		doc  []string
		want []string
	}{
		{"unknown key with suggestion", []string{`//result:task storag=local`},
			[]string{`3:15: task F: unknown key "storag" (did you mean "storage"?)`}},
		{"unknown key swapped letters", []string{`//result:task stroage=local`},
			[]string{`3:15: unknown key "stroage" (did you mean "storage"?)`}},
		{"unknown key python name", []string{`//result:task result_storage_key=x`},
			[]string{`3:15: unknown key "result_storage_key" (did you mean "storage_key"?)`}},
		{"unknown key far from all", []string{`//result:task frobnicate=1`},
			[]string{`3:15: task F: unknown key "frobnicate"`}},
		{"unknown bare key", []string{`//result:task Task`},
			[]string{`3:15: unknown key "Task" (did you mean "task"?)`}},
		{"value given to task", []string{`//result:task=yes`},
			[]string{`3:15: task F: task takes no value`}},
		{"value given to flow", []string{`//result:flow="x"`},
			[]string{`3:15: flow F: flow takes no value`}},
		{"missing key", []string{`//result:task =x`},
			[]string{`3:15: task F: missing key before '='`}},
		{"duplicate key", []string{`//result:task retries=1`, `//result:retries=2`},
			[]string{`4:10: task F: duplicate key "retries" (first set on line 3)`}},
		{"duplicate key same line", []string{`//result:task name=a name=b`},
			[]string{`3:22: duplicate key "name" (first set on line 3)`}},
		{"duplicate task", []string{`//result:task`, `//result:task`},
			[]string{`4:10: task F: duplicate key "task" (first set on line 3)`}},
		{"both kinds", []string{`//result:task persist`, `//result:flow`},
			[]string{`4:10: func F: both task and flow given (task is on line 3): a function is one or the other`}},
		{"missing kind", []string{`// F does things.`, `//result:persist`, `//result:retries=2`},
			[]string{`4:1: func F: missing kind: add task or flow to the //result: directive`}},
		{"empty directive", []string{`//result:`},
			[]string{`3:1: func F: missing kind`}},
		{"keys not for flows", []string{
			`//result:flow storage_key=k cache_policy=none cache_key_fn=f`,
			`//result:cache_expiration=1h refresh_cache=true isolation=serializable`,
		}, []string{
			`3:15: flow F: storage_key applies only to tasks, not flows`,
			`3:29: flow F: cache_policy applies only to tasks, not flows`,
			`3:47: cache_key_fn applies only to tasks`,
			`4:10: cache_expiration applies only to tasks`,
			`4:30: refresh_cache applies only to tasks`,
			`4:49: isolation applies only to tasks`,
		}},
		{"all errors collected and sorted", []string{
			`//result:retries=x`,
			`//result:task storag=1 persist=maybe`,
			`//result:name=""`,
		}, []string{
			`3:18: task F: invalid retries "x"`,
			`4:15: unknown key "storag"`,
			`4:32: invalid persist "maybe"`,
			`5:15: name must not be empty`,
		}},
		{"kind after other keys", []string{`//result:cache_policy=none`, `//result:flow`},
			[]string{`3:10: flow F: cache_policy applies only to tasks, not flows`}},
		{"tabs and several spaces", []string{"//result:\ttask  \t retries=x"},
			[]string{`3:27: invalid retries "x"`}},
		// Strings.
		{"unterminated string", []string{`//result:task name="abc`},
			[]string{`3:20: task F: unterminated string: missing closing "`}},
		{"invalid escape", []string{`//result:task name="a\qb"`},
			[]string{`3:22: task F: invalid escape \q in string`}},
		{"invalid hex escape", []string{`//result:task name="\x4"`},
			[]string{`3:21: invalid escape \x in string`}},
		{"single quote escape", []string{`//result:task name="\'"`},
			[]string{`3:21: invalid escape \' in string`}},
		{"text after closing quote", []string{`//result:task name="a"b retries=x`},
			[]string{`3:23: missing space after the closing quote of the name value`, `3:33: invalid retries "x"`}},
		{"quote inside bare value", []string{`//result:task name=a"b"`},
			[]string{`3:21: quote inside a bare value: quote the whole value, as name="..."`}},
		{"error in quoted value after escapes", []string{`//result:task storage_key="a\tb/\u00e9{flow_run.nope}"`},
			[]string{`3:49: storage_key: unknown flow_run field "nope"`}},
		{"error in quoted value with escaped quote", []string{`//result:task storage_key="\"x\"/}"`},
			[]string{`3:34: storage_key: unmatched '}'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset, _, errs := parseSrc(t, funcSrc(tt.doc...))
			matchErrors(t, fset, errs, tt.want)
		})
	}
}

func TestQuotedStrings(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{`//result:task name="hello world"`, "hello world"},
		{`//result:task name="tab\there"`, "tab\there"},
		{`//result:task name="quote \" inside"`, `quote " inside`},
		{`//result:task name="back\\slash"`, `back\slash`},
		{`//result:task name="\u00e9t\xc3\xa9 \101"`, "été A"},
		{`//result:task name="日本 語"`, "日本 語"},
		{`//result:task name="=x= y"`, "=x= y"},
	}
	for _, tt := range tests {
		fset, d, errs := one(t, tt.line)
		matchErrors(t, fset, errs, nil)
		if d.Name == nil || d.Name.Value != tt.want {
			t.Errorf("%s: name %+v, want %q", tt.line, d.Name, tt.want)
		}
	}
}

func TestSharedAndMultiLine(t *testing.T) {
	// The same settings on one line and on one line each give the same
	// directive, positions aside.
	shared := "//result:task persist storage=memory retries=2 name=\"a b\""
	split := []string{"//result:task", "//result:persist", "//result:storage=memory", "//result:  retries=2", `//result:name="a b"`}
	_, d1, errs1 := one(t, shared)
	fset, d2, errs2 := one(t, split...)
	if len(errs1)+len(errs2) > 0 {
		t.Fatalf("errors: %v %v", errs1, errs2)
	}
	if d1.Persist.Value != d2.Persist.Value || d1.Storage.Raw != d2.Storage.Raw || d1.Retries.Value != d2.Retries.Value || d1.Name.Value != d2.Name.Value {
		t.Errorf("shared %+v, split %+v", d1, d2)
	}
	if p := fset.Position(d2.Retries.Pos); p.Line != 6 || p.Column != 12 {
		t.Errorf("retries at %v, want 6:12", p)
	}
	// Prose lines mixed in the doc comment are ignored.
	_, d3, errs3 := one(t, "// F computes.", "//result:task", "// More prose: retries=x.", "//result:retries=1")
	if len(errs3) > 0 || d3.Retries.Value != 1 {
		t.Errorf("mixed doc: %+v %v", d3, errs3)
	}
}

func TestParseWithoutFileSet(t *testing.T) {
	fset, _, _ := parseSrc(t, funcSrc("//result:task retries=1", "//result:retries=2"))
	_ = fset
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", funcSrc("//result:task retries=1", "//result:retries=2"), parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	fd := f.Decls[0].(*ast.FuncDecl)
	_, errs := Parse(nil, fd)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, `duplicate key "retries" (first set at offset`) {
		t.Errorf("errors %v", errs)
	}
}

func TestMisplaced(t *testing.T) {
	src := `package p

//result:task
import "fmt"

// T is a type.
//result:task
type T struct {
	//result:task
	X int
}

//result:task
var V = 1

const (
	A = 1
	//result:task
	B = 2
)

//result:task
func (T) M() {}

//result:task
func (*T) N() {}

// G is a generic type.
type G[P any] struct{}

//result:task
func (G[P]) O() {}

//result:task

func F() {
	//result:task
	fmt.Println()
}

//result:flow
func H(x int, //result:task
) {
}

//result:task
`
	fset, dirs, errs := parseSrc(t, src)
	if len(dirs) != 1 || dirs[0].Func != "H" {
		t.Errorf("directives %v", dirs)
	}
	matchErrors(t, fset, errs, []string{
		`3:1: import "fmt": //result: directives go on top-level functions, not imports`,
		`7:1: type T: //result: directives go on top-level functions, not type declarations`,
		`9:2: type T: //result: directives go on top-level functions, not type declarations`,
		`13:1: var V: //result: directives go on top-level functions, not variables`,
		`18:2: const B: //result: directives go on top-level functions, not constants`,
		`22:1: method T.M: //result: directives go on top-level functions, not methods`,
		`25:1: method (*T).N: //result: directives go on top-level functions, not methods`,
		`31:1: method G.O: //result: directives go on top-level functions, not methods`,
		`34:1: //result: directive is not attached to a function: put it in the doc comment directly above a top-level function (a blank line or other text separates it from func F)`,
		`37:2: func F: //result: directive inside a function body: directives go in the doc comment of a top-level function`,
		`42:15: func H: //result: directive inside a function declaration`,
		`46:1: //result: directive is not attached to a function: put it in the doc comment directly above a top-level function`,
	})
}

// Mistyped directives are not directives to Go: each is an error with the
// line as it should be; prose that merely starts with "Result:" is not.
func TestNearMiss(t *testing.T) {
	src := `package p

// A is a task.
//
// result:task persist
func A() int { return 1 }

//Result:flow
func B() {}

//results:task storage_key="x"
func C() int { return 3 }

//result :task
func D() int { return 4 }

//resutl:task
func E() int { return 5 }

// Result: the sum of a and b.
// result: nothing is cached here.
// results: see the docs
//rresult:xyz
func F(a, b int) int { return a + b }

func G() {
	// result:task inside a body
}
`
	fset, dirs, errs := parseSrc(t, src)
	if len(dirs) != 0 {
		t.Errorf("directives %v", dirs)
	}
	matchErrors(t, fset, errs, []string{
		`5:1: func A: "// result:task persist" looks like a //result: directive but is not one, so it is ignored: write //result:task persist`,
		`8:1: func B: "//Result:flow" looks like a //result: directive but is not one, so it is ignored: write //result:flow`,
		`11:1: func C: "//results:task storage_key=\"x\"" looks like a //result: directive but is not one, so it is ignored: write //result:task storage_key="x"`,
		`14:1: func D: "//result :task" looks like a //result: directive but is not one, so it is ignored: write //result:task`,
		`17:1: func E: "//resutl:task" looks like a //result: directive`,
		`27:2: func G: "// result:task inside a body" looks like a //result: directive`,
	})
}

func TestParseMethod(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package p\ntype T int\n//result:task\n//result:persist\nfunc (T) M() {}\n", parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	d, errs := Parse(nil, f.Decls[1].(*ast.FuncDecl))
	if d != nil || len(errs) != 2 || errs[0].Msg != "method T.M: //result: directives go on top-level functions, not methods" {
		t.Errorf("Parse(method) = %v, %v", d, errs)
	}
}

func TestSeveralFunctions(t *testing.T) {
	src := "package p\n\n//result:task\nfunc A() {}\n\nfunc B() {}\n\n//result:flow retries=x\nfunc C() {}\n\n//result:task storag=1\nfunc D() {}\n"
	fset, dirs, errs := parseSrc(t, src)
	var names []string
	for _, d := range dirs {
		names = append(names, d.Kind.String()+" "+d.Func)
	}
	if strings.Join(names, ",") != "task A,flow C,task D" {
		t.Errorf("directives %v", names)
	}
	matchErrors(t, fset, errs, []string{
		`8:23: flow C: invalid retries "x"`,
		`11:15: task D: unknown key "storag"`,
	})
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"storag", "storage"},
		{"stroage", "storage"},
		{"persit", "persist"},
		{"retry", ""},
		{"cache_expiry", ""},
		{"x", ""},
		{"ab", ""},
		{"TASK", "task"},
		{"serialiser", "serializer"},
	}
	for _, tt := range tests {
		if got := suggest.Closest(tt.in, keyOrder); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
