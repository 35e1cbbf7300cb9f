// Command resultgen generates typed, compile-time checked wrappers for Go
// functions carrying //result: directives, and checks that generated code is
// up to date. Run "resultgen -h" for usage.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
