package record

import (
	"runtime/debug"
	"sync"
)

// ModulePath is resultgen's module, whose version WriterVersion reports.
const ModulePath = "github.com/resultgen/resultgen"

// WriterVersion is the version of resultgen in the running binary, which
// every record's header keeps (Meta.Writer, "writer"): the module version
// of ModulePath from the binary's build information, as the main module or
// a dependency ("v1.4.0", "v0.0.0-20261207161200-abcdef012345"), or "devel"
// when the build does not say (a build from a checkout, go run, a test, a
// replaced module without a version).
func WriterVersion() string { return writerVersion() }

// writerVersion reads the build information once: it cannot change while
// the binary runs.
var writerVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return moduleVersion(bi)
})

// moduleVersion is ModulePath's version in bi, or "devel".
func moduleVersion(bi *debug.BuildInfo) string {
	mod := &bi.Main
	if mod.Path != ModulePath {
		mod = nil
		for _, d := range bi.Deps {
			if d.Path == ModulePath {
				mod = d
				break
			}
		}
	}
	if mod == nil {
		return "devel"
	}
	if mod.Replace != nil {
		mod = mod.Replace
	}
	if mod.Version == "" || mod.Version == "(devel)" {
		return "devel"
	}
	return mod.Version
}
