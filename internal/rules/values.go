package rules

import "strings"

// NotAValue classifies the types whose values are a resource or a
// synchronization state rather than a value, so that hashing one as a
// task's input would hash its state (a lock's, a socket's, a file's
// descriptor) and never what the task computes from. The generator refuses
// such parameters under a cache policy that hashes inputs (it sees
// declared types: net.Conn, context.Context), and the runtime's hasher
// refuses the same values (it sees dynamic types: net's netFD, context's
// cancelCtx); one list serves both.
type NotAValue int

// The kinds NotAValueOf returns.
const (
	IsAValue         NotAValue = iota // an ordinary type
	NotAValueSync                     // sync.Mutex, sync.WaitGroup, ...
	NotAValueFile                     // os.File, os.Process
	NotAValueNet                      // net connections, listeners and interfaces
	NotAValueContext                  // context.Context and its implementations
	NotAValueReflect                  // reflect.Value
)

// NotAValueOf returns what the type pkg.name is; iface says it is an
// interface type.
func NotAValueOf(pkg, name string, iface bool) NotAValue {
	switch pkg {
	case "sync":
		switch name {
		case "Mutex", "RWMutex", "WaitGroup", "Once", "Cond", "Map", "Pool":
			return NotAValueSync
		}
	case "os":
		if name == "File" || name == "file" || name == "Process" {
			return NotAValueFile
		}
	case "net":
		// a socket, held by every connection and listener (netFD), and
		// net.Pipe's ends
		if iface || strings.HasSuffix(name, "Conn") || strings.HasSuffix(name, "Listener") || name == "netFD" || name == "pipe" {
			return NotAValueNet
		}
	case "context":
		return NotAValueContext
	case "reflect":
		if name == "Value" {
			return NotAValueReflect
		}
	}
	return IsAValue
}
