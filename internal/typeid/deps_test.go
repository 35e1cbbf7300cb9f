package typeid_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGoTypes keeps go/types (and the rest of the toolchain packages) out
// of programs that use typeid at run time.
func TestNoGoTypes(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "go/") || strings.HasPrefix(dep, "golang.org/x/tools") {
			t.Errorf("typeid depends on %s", dep)
		}
	}
}
