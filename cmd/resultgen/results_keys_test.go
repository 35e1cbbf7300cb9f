package main

import (
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
)

// show and diff take a key, a unique start of one, or START...END as
// resultgen prints long keys (README's `results diff 9b8247d5...2dd8 ...`);
// a start several keys share is a usage error listing them.
func TestResultsKeyPrefixes(t *testing.T) {
	st, _ := resultsHome(t)
	const (
		a = "9b8247d5c0ffee00112233445566778899aabbccddeeff00112233445566aa2dd8"
		b = "9b8247d5c0ffee00112233445566778899aabbccddeeff00112233445566bbcbb7"
		c = "740e19d5aa00112233445566778899aabbccddeeff0011223344556677889cbb7"
	)
	put(t, st, a, record.Meta{Task: "Report", Func: "example.com/demo.Report", Manifest: &record.Manifest{KeyFrom: "cache_policy", Policy: "inputs", Inputs: "sha256:aa",
		Params: []record.ParamSum{{Name: "region", Hash: "1111"}}}}, serializer.JSON(), 1)
	put(t, st, b, record.Meta{Task: "Report", Func: "example.com/demo.Report"}, serializer.JSON(), 2)
	put(t, st, c, record.Meta{Task: "Report", Func: "example.com/demo.Report", Manifest: &record.Manifest{KeyFrom: "cache_policy", Policy: "inputs", Inputs: "sha256:bb",
		Params: []record.ParamSum{{Name: "region", Hash: "2222"}}}}, serializer.JSON(), 3)

	for _, arg := range []string{a, "740e", "740e19d5...cbb7", "9b8247d5...2dd8", "9b8247d5c0ffee00112233445566778899aabbccddeeff00112233445566aa"} {
		code, out, errs := call("results", "show", arg)
		if code != exitOK || !strings.Contains(out, "Report") {
			t.Errorf("show %s: exit %d\n%s%s", arg, code, out, errs)
		}
	}
	code, out, errs := call("results", "diff", "9b8247d5...2dd8", "740e19d5...cbb7")
	if code != exitOK || !strings.Contains(out, a+": example.com/demo.Report") || !strings.Contains(out, "parameter region changed") {
		t.Errorf("diff of abbreviated keys: exit %d\n%s%s", code, out, errs)
	}

	for _, tt := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"show", "9b82"}, exitUsage, []string{`ambiguous key: "9b82" matches 2 keys`, "give more of the key", "\n" + "resultgen results show:   " + a, b}},
		{[]string{"show", "9b8247d5...b7"}, exitOK, []string{"Report"}},
		{[]string{"diff", "9b8", "740e"}, exitUsage, []string{"ambiguous key", a, b}},
		{[]string{"show", "ffff"}, exitProblems, []string{`no key is or starts with "ffff"`, "not found"}},
		{[]string{"show", "...cbb7"}, exitProblems, []string{"not found"}},
	} {
		code, out, errs := call("results", tt.args...)
		ok := code == tt.code
		for _, w := range tt.want {
			ok = ok && strings.Contains(out+errs, w)
		}
		if !ok {
			t.Errorf("%q: exit %d (want %d), want %q in\n%s%s", tt.args, code, tt.code, tt.want, out, errs)
		}
	}
}
