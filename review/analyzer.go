package review

import (
	"github.com/resultgen/resultgen/internal/findings"
	"golang.org/x/tools/go/analysis"
)

// Analyzer reports the findings of resultgen review as a go/analysis pass,
// for go vet -vettool=$(which resultvet) and other analysis drivers.
//
// It sees one package at a time, so it follows calls from a flow to the
// tasks of the same package only, and it judges with the built-in default
// settings (persist by default off, msgpack, local storage): the settings in
// force at run time are not known at vet time. resultgen review loads the
// settings and sees every loaded package.
var Analyzer = &analysis.Analyzer{
	Name: "resultvet",
	Doc: `check //result: persistence settings that lose data, collide or leak

Reports, at the directive item or the call: persist=false together with
a setting that needs persisted results (a cache policy, cache_key_fn,
storage_key, cache_expiration, refresh_cache, storage, serializer,
compression, isolation=serializable); task parameters that are not values
(funcs, locks, files, connections...) under a policy that hashes them;
result types the serializer
cannot encode; struct fields it drops or cannot decode; storage keys that
ignore parameters or hold secret-looking ones; persist=false on a task
called from a flow with retries; cache_expiration where nothing is looked up;
values that can never be read; reads of time, randomness or the
environment in cached tasks.`,
	URL: "https://pkg.go.dev/github.com/resultgen/resultgen/review",
	Run: runAnalyzer,
}

func runAnalyzer(pass *analysis.Pass) (any, error) {
	_, fs := findings.Run(findings.Builtin(), "", nil, []findings.Package{{Fset: pass.Fset, Files: pass.Files, Types: pass.Pkg, Info: pass.TypesInfo}})
	for _, f := range fs {
		pass.Report(analysis.Diagnostic{
			Pos:      f.At,
			Category: f.Check,
			Message:  string(f.Severity) + ": " + f.Message + " (fix: " + f.Fix + ")",
		})
	}
	return nil, nil
}
