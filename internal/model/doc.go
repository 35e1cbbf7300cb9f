// Package model loads the packages a resultgen run is asked for and
// analyzes their //result: directives into the model the generator emits
// from: one Package per loaded package, one Func per directive-carrying
// function, with everything resolved about it. The generator package is its
// public face; `resultgen results prune -stale` reads the model directly.
//
// # Phases
//
// load (load.go): go/packages in LoadModeCodeVersion, with a stale
// result_gen.go blanked out (its declarations are about to be replaced)
// through the go command's -overlay flag and the parser, and parseFileFunc
// dropping the bodies of standard-library and module-cache files, which the
// code version only names. Targets that import only such versioned code are
// instead type-checked from source against their imports' export data, as
// go vet does (loadexport.go), without go list compiling the targets.
// Package errors become diagnostics, except type errors that only concern
// identifiers the generator itself declares.
//
// analyze (analyze.go and the files named by concern): directives.go parses
// each file's directives and finds the declaration each one is on;
// analyze.go checks each function's shape (kind, context, parameters,
// results) and builds its Func; names.go gives the identifiers the
// generator declares (NamesFor, Kebab) and the wrapper's parameter names;
// storagekey.go compiles storage_key templates against the parameters;
// hashing.go picks the Hasher method for each parameter and reports the
// unhashable ones; checks.go checks cache_key_fn and custom serializers;
// persistence.go lists the settings and decides what the directive alone
// says about persistence; runtimedef.go is the runtime.Def and Config a
// directive declares, which review resolves with the runtime's own resolver.
//
// Every problem is a Diagnostic at the position of the offending directive
// item; a panic while analyzing one package becomes a diagnostic of that
// package (BugMessage), never a crash of the run.
//
// # Code version
//
// codeversion.go computes each task's task-source hash over the loaded
// package graph (CodeVersions); the rule, what is covered and what is not,
// is the generator's package documentation, "Code version".
package model
