// Package annotations is the //result: directive language: it parses the
// directive lines in a function's doc comment into a typed, validated
// Directive that records the exact position of every key and value, and
// reports every mistake as an Error at the byte where it is.
//
// It works on syntax only (go/ast, no go/types, no I/O). Whether a
// parameter named in a storage key exists, whether a cache_key_fn has the
// right signature and whether a custom serializer implements the runtime's
// interface need types, and are checked by the generator.
//
// # Use
//
//	fset := token.NewFileSet()
//	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
//	...
//	dirs, errs := annotations.ParseFile(fset, f)
//	for _, e := range errs {
//		fmt.Printf("%s: %s\n", fset.Position(e.Pos), e.Msg)
//	}
//
// ParseFile returns one Directive per top-level function that has
// directive lines, and reports every //result: comment anywhere else in the
// file. Parse does the same for one *ast.FuncDecl. Errors are sorted by
// position; all of them are collected, parsing never stops at the first.
// When there are errors, the Directive holds only the items that were valid
// and must not be used to generate code.
//
// # Where directives go
//
// A directive line is a comment whose text starts exactly with //result:
// (no space after the slashes, like //go: directives), in the doc comment
// of a top-level function: the comment lines directly above "func", with no
// blank line between. Prose lines may be mixed in:
//
//	// Hello greets someone.
//	//
//	//result:task persist storage_key=hello-{parameters[name]}.json
//	func Hello(name string) string { ... }
//
// /*result:...*/ is a plain comment, not a directive. A //result: line on a
// method, on a type, var, const or import declaration, inside a function,
// or not attached to any declaration (for example separated from the
// function by a blank line) is an error. So is a line comment that is a
// mistyped directive: a prefix that is "result" but for spaces, case, a
// plural or a typo, followed by a directive key ("// result:task",
// "//Result:flow", "//results:task", "//result :task", "//resutl:task"):
// Go would ignore it, and the wrapper would silently be missing. Prose such
// as "// Result: the sum" is left alone, since "the" is no key.
//
// Every boolean key (persist, cache_in_memory, refresh_cache, encrypt) written bare
// means true: "//result:task refresh_cache" is refresh_cache=true.
//
// # Grammar
//
//	line  = "//result:" { blank } [ item { blank { blank } item } ] { blank } .
//	blank = " " | "\t" .
//	item  = key [ "=" value ] .
//	key   = any run of characters other than blanks and "=" .
//	value = bare | quoted .
//	bare  = any non-empty run of characters other than blanks and `"` .
//	quoted = a Go double-quoted string literal, read as strconv.Unquote does .
//
// Items may share one line or take a line each; all directive lines of one
// doc comment make one directive. A quoted value may hold blanks and
// escapes: name="nightly report", storage_key="a\tb". Exactly one of the
// items task and flow must appear. Every other key takes a value, except
// persist, whose bare form means persist=true. A key given twice is an
// error, as is a key that does not apply to the kind.
//
// # Keys
//
//	key              on    value
//	task, flow       -     none: the kind
//	name             both  non-empty string: run name (default: the function name)
//	persist          both  true or false; bare persist means true
//	storage          both  storage spec (below)
//	storage_key      task  template (below)
//	serializer       both  msgpack, json, gob, compressed/msgpack, compressed/json,
//	                       compressed/gob, or a serializer value: Name or pkg.Name
//	compression      both  zstd, gzip or zlib; only with a compressed/* serializer
//	cache_in_memory  both  true or false
//	cache_policy     task  policy (below)
//	cache_key_fn     task  the name of a func in the package (an identifier)
//	cache_expiration task  Go duration greater than zero: 90s, 15m, 24h
//	refresh_cache    task  true or false
//	isolation        task  read_committed or serializable
//	retries          both  whole number >= 0
//	retry_delay      both  Go duration greater than zero
//	encrypt          both  true or false: encrypt persisted results at rest with the
//	                       keyring (RESULTGEN_KEYRING); not with persist=false.
//	                       Keys themselves never come from a directive
//	on_commit        task  the name of a func in the package (an identifier): run with
//	                       the task's value after the transaction it ran in commits
//	on_rollback      task  the same, run when that transaction rolls back
//
// Booleans are exactly true or false. Durations use time.ParseDuration,
// which has no day unit: write 24h, not 1d.
//
// A custom serializer is named by a Go identifier: a package-level value of
// the function's package (mySerializer), or qualified by the name under
// which the file imports its package (codecs.Pickle). The names msgpack,
// json and gob always mean the built-in serializers, and compressed alone
// is refused, so a value with one of those names cannot be used.
//
// # Storage specs
//
//	local                 the local storage at the configured default path
//	local:PATH            a local folder; a relative PATH resolves against the
//	                      working directory at run time
//	memory                in-process memory
//	s3://BUCKET/PREFIX    an S3 bucket, under an optional key prefix; BUCKET
//	                      follows the S3 bucket naming rules, and PREFIX has
//	                      no empty, "." or ".." segment (a trailing / is dropped)
//	TYPE/NAME             a named storage block, resolved at run time;
//	                      TYPE is lowercase letters, digits and hyphens (s3,
//	                      local-file), NAME is letters, digits, '-', '_', '.'
//
// # Storage-key templates
//
// A storage_key is a path relative to the storage, with references in
// braces that are filled in at run time:
//
//	{parameters[NAME]}          the value of parameter NAME
//	{parameters[NAME].A.B}      a field chain on it
//	{flow_run.id}               also flow_run.name, flow_run.flow_name, flow_run.run_count
//	{flow_run.parameters[NAME]} the calling flow's parameter NAME (no field chain)
//	{flow_run.start_time:LAYOUT} the flow run's start, in UTC, as a Go time layout
//	{task_run.id}               also task_run.name, task_run.task_name, task_run.run_count
//	{task_run.map_index}        the run's index in its Map call
//	{{ and }}                   a literal { and }
//
// Ref.Arg holds the flow parameter's NAME or the LAYOUT (Ref.ArgPos, where
// it starts). A LAYOUT is checked here, where no types are needed: refused
// when it writes a path separator, nothing, or no part of the time (a
// strftime format such as %Y-%m-%d). Whether every calling flow has
// parameter NAME is checked by package internal/findings (check
// flow-param), which sees the calls. The older engine's flat names
// ({map_index}, {task_run_id}, {date:...}) are errors that say what to
// write.
//
// For example storage_key=reports/{parameters[year]}/{flow_run.name}.json.
// The literal text must keep the key a clean relative path: no leading /,
// no trailing /, no empty, "." or ".." segment, no backslash or NUL.
// ("{{parameters[x]}}" is refused too: it would be literal text, and is
// almost always meant as a reference.) The generator checks that NAME is a
// parameter and that the fields exist, using the positions recorded in
// TemplatePart.Pos and Ref.NamePos / Ref.FieldPos. ParseTemplate parses a
// template on its own, reporting byte offsets.
//
// # Cache policies
//
// A cache_policy is one or more of default, none, inputs, task_source,
// run_id and flow_parameters joined with +, for example
// inputs+task_source. default means inputs+task_source+run_id. inputs-NAME
// is inputs without parameter NAME, and inputs-a-b drops a and b. none
// cannot be combined with anything; a part given twice (inputs and
// inputs-NAME count as the same part) or already included by default is an
// error.
//
// # Errors
//
// Each Error's Pos is the position of the offending byte: the key for key
// errors, the value (its opening quote when quoted) for value errors, and
// the exact byte inside a value for errors in its parts, such as one
// reference of a template, with escapes in quoted values accounted for.
// Messages are lowercase, have no trailing period, and start with the kind
// and the function: "task Hello: unknown key \"storag\" (did you mean
// \"storage\"?)" ("func Hello:" while the kind is missing or ambiguous).
package annotations
