package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkPathSplit is checkPath as it was before it stopped splitting the key
// (strings.Split allocated on every read and write): the reference the
// allocation-free version must agree with.
func checkPathSplit(key string, prefix bool) error {
	if len(key) > MaxKeyLen {
		return &keyError{key, fmt.Sprintf("longer than %d bytes (%d bytes); use shorter values in the key, or a cache_key_fn that hashes long ones", MaxKeyLen, len(key))}
	}
	if !utf8.ValidString(key) {
		return &keyError{key, "not valid UTF-8"}
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == 0:
			return &keyError{key, "contains a NUL byte"}
		case c == '\\':
			return &keyError{key, "contains a backslash (use / to separate segments)"}
		case c < 0x20 || c == 0x7f:
			return &keyError{key, fmt.Sprintf("contains control character %#x", c)}
		}
	}
	if strings.HasPrefix(key, "/") {
		return &keyError{key, "absolute path: keys are relative to the store"}
	}
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if last && prefix {
			break
		}
		switch {
		case len(seg) > MaxSegmentLen:
			return &keyError{key, fmt.Sprintf("segment %d is longer than %d bytes (%d bytes), the longest file name local storage allows, and a key must be valid in every store; use shorter values in the key, or a cache_key_fn that hashes long ones", i+1, MaxSegmentLen, len(seg))}
		case seg == "" && last:
			return &keyError{key, "ends with a slash"}
		case seg == "":
			return &keyError{key, "empty segment (\"//\")"}
		case seg == ".":
			return &keyError{key, "\".\" segment"}
		case seg == "..":
			return &keyError{key, "\"..\" segment: keys cannot climb out of the store"}
		case strings.TrimSpace(seg) != seg && (strings.TrimSpace(seg) == "." || strings.TrimSpace(seg) == ".."):
			return &keyError{key, fmt.Sprintf("segment %d is %q: \".\" or \"..\" between spaces, which S3 servers (MinIO) read as \".\" or \"..\" and refuse", i+1, seg)}
		case strings.HasPrefix(seg, ".tmp-"):
			return &keyError{key, "segment starts with \".tmp-\", reserved for temporary files"}
		case i == 0 && seg == ".locks":
			return &keyError{key, "\".locks\" is reserved for lock files"}
		case i == 0 && seg == IndexDir:
			return &keyError{key, "\".index\" is reserved for the runtime's task index"}
		case i == 0 && seg == UploadsDir:
			return &keyError{key, "\".uploads\" is reserved for the markers of uploads in progress"}
		}
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// sameCheck fails t when checkPath and checkPathSplit disagree on key.
func sameCheck(t *testing.T, key string) {
	t.Helper()
	for _, prefix := range []bool{false, true} {
		if got, want := errText(checkPath(key, prefix)), errText(checkPathSplit(key, prefix)); got != want {
			t.Fatalf("checkPath(%q, %v) = %s, the split version says %s", key, prefix, got, want)
		}
	}
}

// The segment walk accepts and rejects what splitting did, with the same
// error, on the edge cases and on random keys made of the characters the
// rules care about.
func TestCheckPathAgreesWithSplit(t *testing.T) {
	long := strings.Repeat("s", MaxSegmentLen)
	for _, key := range []string{
		"", "a", "a/b", "a/", "/a", "a//b", "//", "/", ".", "..", "a/./b", "a/../b", "a/..",
		".tmp-x", "a/.tmp-x", ".locks", ".locks/x", "a/.locks", IndexDir, IndexDir + "/x", "a/" + IndexDir,
		UploadsDir, UploadsDir + "/x", "a/" + UploadsDir,
		long, long + "s", "a/" + long + "s/b", long + "/" + long, strings.Repeat("k", MaxKeyLen+1),
		"a\\b", "a\x00b", "a\x7fb", "\xff", "héllo/wörld", "a/b/", " .", ".. ", "a/ . /b", "\u00a0..", " .x", ". .",
	} {
		sameCheck(t, key)
	}
	parts := []string{"a", "/", "//", ".", "..", ".tmp-", ".locks", IndexDir, UploadsDir, "\\", "\x01", "é", long[:100], " ", "\u00a0"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		sameCheck(t, b.String())
	}
}

// FuzzCheckPath compares the segment walk with splitting on any key.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"a/b", "a//b", ".index/x", "../x", "a/", ".tmp-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) { sameCheck(t, key) })
}

// Checking a valid key allocates nothing: it runs on every read and write.
func TestValidateKeyAllocatesNothing(t *testing.T) {
	for _, key := range []string{"hello-world.json", "a/b/c/d/e", IndexDir + "/task"} {
		if n := testing.AllocsPerRun(100, func() { _ = ValidateObjectKey(key) }); n != 0 {
			t.Errorf("ValidateObjectKey(%q): %v allocations, want 0", key, n)
		}
	}
}

// A key plainKey accepts without checkPath is one the full rules accept,
// and ValidateKey still refuses what plainKey passes on.
func TestPlainKeyAgreesWithRules(t *testing.T) {
	for _, key := range []string{"a", "0", "abc123", strings.Repeat("f", 64), strings.Repeat("z", MaxSegmentLen),
		strings.Repeat("a", MaxSegmentLen+1), "", "A", "a.b", ".locks", "a/b", "a-b", "a\x00", "é"} {
		if plainKey(key) && checkPathSplit(key, false) != nil {
			t.Errorf("plainKey(%q) is true, but the rules refuse it", key)
		}
		if (ValidateKey(key) == nil) != (key != "" && checkPathSplit(key, false) == nil) {
			t.Errorf("ValidateKey(%q) = %v, the rules say %v", key, ValidateKey(key), checkPathSplit(key, false))
		}
	}
}
