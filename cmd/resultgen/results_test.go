package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// resultsHome gives the test a fresh resultgen home whose default local
// storage is a new folder, and returns that folder opened as a store.
func resultsHome(t *testing.T) (*storage.Local, string) {
	t.Helper()
	configHome(t)
	dir := filepath.Join(t.TempDir(), "storage")
	t.Setenv(settings.LocalStoragePath, dir)
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

type row struct {
	ID   int
	Name string
}

// put writes a record of v at key with ser (nil: a literal of v).
func put(t *testing.T, st storage.Storage, key string, meta record.Meta, ser serializer.Serializer, v any) {
	t.Helper()
	var err error
	if ser == nil {
		lit, _ := record.LiteralOf(v)
		_, err = record.WriteLiteral(context.Background(), st, key, meta, lit, storage.PutOptions{})
	} else {
		_, err = record.Write(context.Background(), st, key, meta, ser, v, storage.PutOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// writeFile puts a plain file (not a record) at BASE/rel.
func writeRaw(t *testing.T, dir, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tableRows parses ls table output into fields per key, split on runs of
// two or more spaces.
func tableRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "KEY") {
		t.Fatalf("no table header in\n%s", out)
	}
	for _, l := range lines[1:] {
		var f []string
		for _, c := range strings.Split(l, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				f = append(f, c)
			}
		}
		rows[f[0]] = f
	}
	return rows
}

// Temporary files named as the first versions did (.tmp-<random>, no
// writer in the name): judged by age alone.
const (
	tmpOld   = ".tmp-0123456789abcdef"
	tmpYoung = "reports/.tmp-89abcdef01234567"
)

// standardRecords writes the records most tests look at.
func standardRecords(t *testing.T, st storage.Storage, dir string) time.Time {
	now := time.Now().UTC().Truncate(time.Second)
	put(t, st, "reports/rows.msgpack", record.Meta{Task: "load-rows", Func: "example.com/app.LoadRows", TypeHash: "sha256:0123", TypeDesc: "[]example.com/app.row=struct{ID int; Name string}",
		Created: now.Add(-time.Hour), Expires: now.Add(24 * time.Hour),
		Labels: map[string]string{"flow_run_id": "f-1"}}, serializer.Msgpack(), []row{{1, "one"}, {2, "two"}})
	put(t, st, "old.json", record.Meta{Task: "fetch", Created: now.Add(-72 * time.Hour), Expires: now.Add(-48 * time.Hour)},
		serializer.JSON(), map[string]int{"a": 1})
	put(t, st, "flag", record.Meta{Task: "check", GoType: "bool"}, nil, true)
	writeRaw(t, dir, "notes.txt", []byte("hello, not a record"))
	writeRaw(t, dir, tmpOld, []byte("half a record"))
	writeRaw(t, dir, tmpYoung, []byte("half a record"))
	writeRaw(t, dir, ".locks/abc.lock", nil)
	return now
}

func TestResultsList(t *testing.T) {
	st, dir := resultsHome(t)
	now := standardRecords(t, st, dir)

	code, out, errs := call("results", "ls")
	if code != exitOK {
		t.Fatalf("ls: exit %d\n%s", code, errs)
	}
	rows := tableRows(t, out)
	// SIZE is the object's, as in ls -summary: header, payload and trailer
	fileSize := func(key string) string {
		fi, err := os.Stat(filepath.Join(dir, key))
		if err != nil {
			t.Fatal(err)
		}
		return results.FormatSize(fi.Size())
	}
	if !strings.Contains(out, "OBJECT SIZE") {
		t.Errorf("ls does not say which size it shows:\n%s", out)
	}
	want := map[string][]string{
		"flag":                 {"flag", "check", "bool", "literal", fileSize("flag")},
		"notes.txt":            {"notes.txt", "(not a record)", "-", "-", "19 B", "-", "-", "-"},
		"old.json":             {"old.json", "fetch", "map[string]int", "json", fileSize("old.json"), FormatTime(now.Add(-72 * time.Hour)), "EXPIRED", "-"},
		"reports/rows.msgpack": {"reports/rows.msgpack", "load-rows", "[]github.com/resultgen/resultgen/cmd/resultgen.row", "msgpack"},
	}
	if len(rows) != len(want) {
		t.Errorf("ls lists %d objects, want %d (hidden files must not show):\n%s", len(rows), len(want), out)
	}
	for key, w := range want {
		got, ok := rows[key]
		if !ok {
			t.Errorf("ls misses %s:\n%s", key, out)
			continue
		}
		if len(got) < len(w) || !slices.Equal(got[:len(w)], w) {
			t.Errorf("ls row %s = %q, want it to start %q", key, got, w)
		}
	}
	if r := rows["reports/rows.msgpack"]; len(r) != 8 || r[6] != FormatTime(now.Add(24*time.Hour)) || r[5] != FormatTime(now.Add(-time.Hour)) || r[7] != "example.com/app" {
		t.Errorf("rows.msgpack: created/expires = %q", r)
	}
	if r := rows["flag"]; len(r) != 8 || r[6] != "never" {
		t.Errorf("flag: expires = %q, want never", r)
	}
	keys := slices.Collect(func(yield func(string) bool) {
		for _, l := range strings.Split(out, "\n")[1:] {
			if f := strings.Fields(l); len(f) > 0 && !yield(f[0]) {
				return
			}
		}
	})
	if !slices.IsSorted(keys) {
		t.Errorf("ls is not in key order: %q", keys)
	}

	// Filters, and -storage naming the same folder.
	code, out, errs = call("results", "ls", "-storage", "local:"+dir, "-task", "fetch")
	if code != exitOK || len(tableRows(t, out)) != 1 || tableRows(t, out)["old.json"] == nil {
		t.Errorf("ls -task fetch: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = call("results", "ls", "-prefix", "reports/")
	if code != exitOK || len(tableRows(t, out)) != 1 || tableRows(t, out)["reports/rows.msgpack"] == nil {
		t.Errorf("ls -prefix reports/: exit %d\n%s", code, out)
	}

	// JSON parses and carries the fields.
	code, out, errs = call("results", "ls", "-format", "json")
	if code != exitOK {
		t.Fatalf("ls -format json: exit %d\n%s", code, errs)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("ls -format json: %v\n%s", err, out)
	}
	byKey := map[string]map[string]any{}
	for _, e := range entries {
		byKey[e["key"].(string)] = e
	}
	if len(byKey) != 4 {
		t.Errorf("json lists %d objects, want 4", len(byKey))
	}
	if e := byKey["old.json"]; e["expired"] != true || e["task"] != "fetch" || e["serializer"] != "json" || e["size"] != 8.0 || e["status"] != "record" {
		t.Errorf("json old.json = %v", e)
	}
	if e := byKey["flag"]; e["literal"] != "true" || e["serializer"] != nil || e["expired"] != false {
		t.Errorf("json flag = %v", e)
	}
	if e := byKey["notes.txt"]; e["status"] != "not a record" || e["object_size"] != 19.0 {
		t.Errorf("json notes.txt = %v", e)
	}
	if e := byKey["reports/rows.msgpack"]; e["location"] != filepath.Join(dir, "reports", "rows.msgpack") || e["labels"].(map[string]any)["flow_run_id"] != "f-1" {
		t.Errorf("json rows.msgpack = %v", e)
	}
}

// FormatTime mirrors results.FormatTime for the wanted rows.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestResultsListEdges(t *testing.T) {
	_, dir := resultsHome(t)
	missing := filepath.Join(t.TempDir(), "never-made")
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"empty store", []string{"ls"}, exitOK, "no objects in local:" + dir},
		{"absent folder is empty, not created", []string{"ls", "-storage", "local:" + missing}, exitOK, "no objects"},
		{"absent folder json", []string{"ls", "-storage", "local:" + missing, "-format", "json"}, exitOK, ""},
		{"bad format", []string{"ls", "-format", "xml"}, exitUsage, `unknown -format "xml"`},
		{"bad prefix", []string{"ls", "-prefix", "../x"}, exitUsage, "invalid key"},
		{"stray argument", []string{"ls", "key"}, exitUsage, "takes no arguments"},
		{"unknown block", []string{"ls", "-storage", "s3/nope"}, exitProblems, "unknown storage block"},
		{"unknown spec", []string{"ls", "-storage", "ftp://x"}, exitProblems, `unknown scheme "ftp"`},
		{"unknown command", []string{"list-all"}, exitUsage, `unknown command "list-all"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := call("results", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.inStderr) {
				t.Errorf("exit %d, want %d; stderr %q should contain %q\n%s", code, tt.code, errs, tt.inStderr, out)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ls created %s: %v", missing, err)
	}
	if code, out, _ := call("results", "ls", "-storage", "local:"+missing, "-format", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("json of an empty store = %q, want []", out)
	}
	// help asked for goes to stdout, with the command's flags
	if code, out, errs := call("results", "ls", "-h"); code != exitOK || errs != "" || !strings.Contains(out, "Examples:") || !strings.Contains(out, "Flags of resultgen results ls:\n  -all") {
		t.Errorf("results ls -h: exit %d\n%s%s", code, out, errs)
	}
	// a flag error is one line pointing at the help
	if code, out, errs := call("results", "ls", "-bogus"); code != exitUsage || out != "" || errs != "resultgen results ls: flag provided but not defined: -bogus (see resultgen results ls -h)\n" {
		t.Errorf("results ls -bogus: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := call("results", "-h"); code != exitOK || !strings.Contains(out, "resultgen results prune") {
		t.Errorf("results -h: exit %d\n%s", code, out)
	}
}

func TestResultsShow(t *testing.T) {
	st, dir := resultsHome(t)
	now := standardRecords(t, st, dir)
	put(t, st, "rows.gob", record.Meta{Task: "gobbed"}, serializer.Gob(), []row{{1, "one"}})
	zj, err := serializer.Compressed(serializer.JSON(), serializer.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, "z.json", record.Meta{Task: "z"}, zj, map[string]any{"list": []int{1, 2}})

	code, out, errs := call("results", "show", "reports/rows.msgpack")
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		"key:", "reports/rows.msgpack",
		"location:", filepath.Join(dir, "reports", "rows.msgpack"),
		"task:", "load-rows",
		"function:", "example.com/app.LoadRows",
		"result type:", "sha256:0123 []example.com/app.row=struct{ID int; Name string}",
		"go type:", "[]github.com/resultgen/resultgen/cmd/resultgen.row",
		"serializer:", "msgpack",
		"checksum:", "xxh3-128-1mib:",
		"created:", FormatTime(now.Add(-time.Hour)),
		"expires:", FormatTime(now.Add(24 * time.Hour)),
		"flow_run_id:", "f-1",
		"written by:", "resultgen " + record.WriterVersion(),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "value:") {
		t.Errorf("show without -value prints a value:\n%s", out)
	}

	tests := []struct {
		name string
		key  string
		want string // JSON of the value
	}{
		{"msgpack", "reports/rows.msgpack", `[{"ID":1,"Name":"one"},{"ID":2,"Name":"two"}]`},
		{"json", "old.json", `{"a":1}`},
		{"compressed json", "z.json", `{"list":[1,2]}`},
		{"literal", "flag", `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := call("results", "show", "-value", tt.key)
			if code != exitOK {
				t.Fatalf("show -value: exit %d\n%s", code, errs)
			}
			_, val, ok := strings.Cut(out, "value:\n")
			if !ok {
				t.Fatalf("no value in\n%s", out)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, []byte(val)); err != nil || buf.String() != tt.want {
				t.Errorf("value = %s (%v), want %s", buf.String(), err, tt.want)
			}

			code, out, errs = call("results", "show", "-format", "json", tt.key, "-value")
			if code != exitOK {
				t.Fatalf("show -format json -value: exit %d\n%s", code, errs)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &obj); err != nil {
				t.Fatalf("show json: %v\n%s", err, out)
			}
			buf.Reset()
			json.Compact(&buf, obj["value"])
			if buf.String() != tt.want || string(obj["key"]) != `"`+tt.key+`"` {
				t.Errorf("json value = %s key = %s, want %s", buf.String(), obj["key"], tt.want)
			}
		})
	}

	// gob: metadata, and a clear word instead of the value.
	code, out, errs = call("results", "show", "-value", "rows.gob")
	if code != exitOK || !strings.Contains(out, "task:") || !strings.Contains(out, "value: not shown") || !strings.Contains(out, "gob") {
		t.Errorf("show -value gob: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = call("results", "show", "-value", "-format", "json", "rows.gob")
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil || code != exitOK || obj["value"] != nil || !strings.Contains(obj["value_error"].(string), "gob") || obj["task"] != "gobbed" {
		t.Errorf("show -value -format json gob: exit %d, %v\n%s", code, err, out)
	}

	for _, tt := range []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"missing", []string{"show", "nope"}, exitProblems, "not found"},
		{"not a record", []string{"show", "notes.txt"}, exitProblems, "not a resultgen record"},
		{"hostile key", []string{"show", "../../etc/passwd"}, exitUsage, "invalid key"},
		{"no key", []string{"show"}, exitUsage, "want one KEY"},
		{"two keys", []string{"show", "a", "b"}, exitUsage, "want one KEY"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := call("results", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.inStderr) {
				t.Errorf("exit %d, want %d; stderr %q should contain %q", code, tt.code, errs, tt.inStderr)
			}
		})
	}
}

// damage rewrites the file of key in dir with change applied.
func damage(t *testing.T, dir, key string, change func([]byte) []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(key))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, change(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResultsVerify(t *testing.T) {
	st, dir := resultsHome(t)
	standardRecords(t, st, dir)
	big := make([]int, 5000)
	for i := range big {
		big[i] = i
	}
	put(t, st, "flipped", record.Meta{Task: "t"}, serializer.Msgpack(), big)
	put(t, st, "cut", record.Meta{Task: "t"}, serializer.Msgpack(), big)

	// The records are intact, but an object that is not one fails verify:
	// it fails every run of its key too. verify names it and the fix.
	code, out, errs := call("results", "verify")
	if code != exitProblems {
		t.Fatalf("verify of intact records and a foreign file: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, k := range []string{"flag", "old.json", "reports/rows.msgpack", "flipped", "cut"} {
		if !strings.Contains(out, "OK\t"+k+"\t") {
			t.Errorf("verify does not say OK for %s:\n%s", k, out)
		}
	}
	if !strings.Contains(out, "NOT A RECORD\tnotes.txt\t") || !strings.Contains(errs, "5 intact, 1 with problems") ||
		!strings.Contains(errs, "resultgen results rm -force KEY") {
		t.Errorf("verify output:\n%s%s", out, errs)
	}
	if err := os.Remove(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	if code, out, errs = call("results", "verify"); code != exitOK || !strings.Contains(errs, "5 intact, 0 with problems") {
		t.Fatalf("verify of intact records: exit %d\n%s%s", code, out, errs)
	}
	writeRaw(t, dir, "notes.txt", []byte("hello, not a record"))

	// A bit flipped in the middle of one payload, the end cut off another.
	damage(t, dir, "flipped", func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b })
	damage(t, dir, "cut", func(b []byte) []byte { return b[:len(b)-100] })
	code, out, errs = call("results", "verify")
	if code != exitProblems {
		t.Fatalf("verify with damage: exit %d, want 1\n%s%s", code, out, errs)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(l, "\t", 3)
		lines[f[1]] = l
	}
	if l := lines["flipped"]; !strings.HasPrefix(l, "CHECKSUM MISMATCH\tflipped\t") || !strings.Contains(l, `record "flipped" checksum mismatch`) {
		t.Errorf("flipped: %q", l)
	}
	if l := lines["cut"]; !strings.HasPrefix(l, "TRUNCATED\tcut\t") || !strings.Contains(l, `record "cut"`) {
		t.Errorf("cut: %q", l)
	}
	if l := lines["old.json"]; !strings.HasPrefix(l, "OK\t") {
		t.Errorf("old.json: %q", l)
	}
	if !strings.Contains(errs, "3 intact, 3 with problems") {
		t.Errorf("summary: %s", errs)
	}

	// -q prints only the problems.
	code, out, _ = call("results", "verify", "-q")
	if code != exitProblems || strings.Count(out, "\n") != 3 || strings.Contains(out, "OK") {
		t.Errorf("verify -q: exit %d\n%s", code, out)
	}

	// A future format version, in both framings, its header CRC
	// recomputed as its writer would (without, it is a damaged record).
	put(t, st, "future", record.Meta{}, serializer.Msgpack(), 1)
	damage(t, dir, "future", func(b []byte) []byte {
		b[9] = 9
		hlen := int(binary.BigEndian.Uint32(b[10:14]))
		binary.BigEndian.PutUint32(b[14+hlen:], crc32.Checksum(b[8:14+hlen], crc32.MakeTable(crc32.Castagnoli)))
		return b
	})
	put(t, st, "future.json", record.Meta{}, serializer.JSON(), 1)
	damage(t, dir, "future.json", func(b []byte) []byte {
		b[len(`{"resultgen":`)] = '9'
		at := bytes.Index(b, []byte(`,"meta_crc32c":"`))
		copy(b[at+len(`,"meta_crc32c":"`):], fmt.Sprintf("%08x", crc32.Checksum(b[:at], crc32.MakeTable(crc32.Castagnoli))))
		return b
	})
	put(t, st, "flipped-version", record.Meta{}, serializer.Msgpack(), 1)
	damage(t, dir, "flipped-version", func(b []byte) []byte { b[8] ^= 0x04; return b }) // version 1024+record.Version, the header CRC fails
	// Objects at record keys that prove nothing: foreign, and verify
	// fails on each, saying why.
	writeRaw(t, dir, "empty", nil)
	writeRaw(t, dir, "zeros", make([]byte, 4096))
	writeRaw(t, dir, "magic", []byte("RGRESULT\x00\x01garbage"))
	// JSON records damaged, and JSON files of the user's.
	put(t, st, "flipped.json", record.Meta{Task: "t"}, serializer.JSON(), big)
	damage(t, dir, "flipped.json", func(b []byte) []byte { b[len(b)/2] ^= 0x01; return b })
	put(t, st, "cut.json", record.Meta{Task: "t"}, serializer.JSON(), big)
	damage(t, dir, "cut.json", func(b []byte) []byte { return b[:len(b)-100] })
	writeRaw(t, dir, "mine.json", []byte(`{"resultgen": "x"}`))
	writeRaw(t, dir, "other.json", []byte(`{"a":1}`))

	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		inOut  string
		inErrs string
	}{
		{"named intact", []string{"verify", "old.json", "flag"}, exitOK, "OK\told.json", "2 intact, 0 with problems"},
		{"named damaged", []string{"verify", "old.json", "cut"}, exitProblems, "TRUNCATED\tcut", "1 intact, 1 with problems"},
		{"version", []string{"verify", "future"}, exitProblems, "UNSUPPORTED VERSION\tfuture", ""},
		{"flipped version", []string{"verify", "flipped-version"}, exitProblems, "CHECKSUM MISMATCH\tflipped-version\t" + `record "flipped-version" checksum mismatch at byte 8: damaged record: its format version field reads ` + strconv.Itoa(1024+record.Version), ""},
		{"empty", []string{"verify", "empty"}, exitProblems, "NOT A RECORD\tempty\t" + `object "empty" is not a resultgen record: it is empty`, "rm -force"},
		{"zero-filled", []string{"verify", "zeros"}, exitProblems, "NOT A RECORD\tzeros\t" + `object "zeros" is not a resultgen record: its 4096 bytes are all zero`, "rm -force"},
		{"magic and garbage", []string{"verify", "magic"}, exitProblems, "NOT A RECORD\tmagic\t" + `object "magic" is not a resultgen record: it starts like a record, but`, "rm -force"},
		{"json version", []string{"verify", "future.json"}, exitProblems, "UNSUPPORTED VERSION\tfuture.json", ""},
		{"json flipped", []string{"verify", "flipped.json"}, exitProblems, "CHECKSUM MISMATCH\tflipped.json", ""},
		{"json cut", []string{"verify", "cut.json"}, exitProblems, "TRUNCATED\tcut.json", ""},
		{"user's json", []string{"verify", "mine.json", "other.json"}, exitProblems, "NOT A RECORD\tmine.json", "0 intact, 2 with problems"},
		{"named missing", []string{"verify", "nope"}, exitProblems, "MISSING\tnope", ""},
		{"named non-record", []string{"verify", "notes.txt"}, exitProblems, "NOT A RECORD\tnotes.txt", ""},
		{"prefix", []string{"verify", "-prefix", "reports/"}, exitOK, "OK\treports/rows.msgpack", "1 intact"},
		{"hostile key", []string{"verify", "a/../../b"}, exitUsage, "", "invalid key"},
		{"keys and prefix", []string{"verify", "-prefix", "r", "x"}, exitUsage, "", "not both"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := call("results", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.inOut) || !strings.Contains(errs, tt.inErrs) {
				t.Errorf("exit %d, want %d; want %q in stdout, %q in stderr\n%s%s", code, tt.code, tt.inOut, tt.inErrs, out, errs)
			}
		})
	}
}

// A record whose first bytes are damaged (one flipped bit in the binary
// magic or the JSON prefix) is reported as damaged by verify (exit 1) and
// ls, not as "not a record"; a user's file is reported as not a record.
func TestResultsVerifyDamagedStart(t *testing.T) {
	st, dir := resultsHome(t)
	put(t, st, "bin", record.Meta{Task: "t"}, serializer.Msgpack(), []row{{1, "one"}})
	put(t, st, "doc.json", record.Meta{Task: "t"}, serializer.JSON(), []row{{1, "one"}})
	writeRaw(t, dir, "notes.txt", []byte("hello, not a record"))
	intact := map[string][]byte{}
	for _, k := range []string{"bin", "doc.json"} {
		intact[k], _ = os.ReadFile(filepath.Join(dir, k))
	}
	for i := range 8 {
		for bit := range 8 {
			for k, b := range intact {
				b = bytes.Clone(b)
				b[i] ^= 1 << bit
				writeRaw(t, dir, k, b)
			}
			code, out, errs := call("results", "verify")
			if code != exitProblems || !strings.Contains(errs, "0 intact, 3 with problems") || !strings.Contains(out, "NOT A RECORD\tnotes.txt") {
				t.Fatalf("byte %d bit %d flipped: verify exit %d\n%s%s", i, bit, code, out, errs)
			}
			for k := range intact {
				if !strings.Contains(out, "CORRUPT\t"+k+"\t") || !strings.Contains(out, "damaged record") {
					t.Fatalf("byte %d bit %d flipped: verify does not name %s as damaged:\n%s", i, bit, k, out)
				}
			}
		}
	}
	code, out, errs := call("results", "ls")
	rows := tableRows(t, out)
	if code != exitProblems || rows["bin"][1] != "(damaged)" || rows["doc.json"][1] != "(damaged)" || rows["notes.txt"][1] != "(not a record)" ||
		!strings.Contains(errs, "2 objects damaged or unreadable") {
		t.Errorf("ls: exit %d\n%s%s", code, out, errs)
	}
	// as the help says: ls exits 1 on damaged records, in JSON too
	if !strings.Contains(resultsLsUsage, "Exits 1 when an object is a damaged") {
		t.Error("results help does not say ls exits 1 on damaged records")
	}
	code, out, errs = call("results", "ls", "-format", "json")
	if code != exitProblems || !strings.Contains(out, `"status": "damaged"`) || !strings.Contains(errs, "2 objects damaged or unreadable") {
		t.Errorf("ls -format json: exit %d\n%s%s", code, out, errs)
	}
	// a store with only other files is no problem
	os.Remove(filepath.Join(dir, "bin"))
	os.Remove(filepath.Join(dir, "doc.json"))
	if code, out, errs = call("results", "ls"); code != exitOK {
		t.Errorf("ls of a store without damaged records: exit %d\n%s%s", code, out, errs)
	}
}

// ls -all shows the store's own files with their state; prune -tmp
// removes the stale ones (with -dry-run, none): a dead writer's file of
// this machine at once, an old one by age; never a running writer's file,
// a young one, nor a user's file that merely starts with ".tmp-".
func TestResultsTempFiles(t *testing.T) {
	st, dir := resultsHome(t)
	standardRecords(t, st, dir)
	live := fmt.Sprintf(".tmp-%d-00112233445566aa", os.Getpid())
	writeRaw(t, dir, live, []byte("being written"))
	const users = ".tmp-notes.txt"
	writeRaw(t, dir, users, []byte("my own notes"))
	old := time.Now().Add(-3 * time.Hour)
	for _, rel := range []string{tmpOld, live, users} {
		if err := os.Chtimes(filepath.Join(dir, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	stale := map[string]bool{tmpOld: true, ".locks/abc.lock": true}
	rowsWant := map[string][]string{
		tmpOld:            {"(temporary)", "13 B", "stale: unwritten for 3h0m"}, // 3h0m0s, or a second more on a slow machine
		tmpYoung:          {"(temporary)", "13 B", "kept: written"},
		live:              {"(temporary)", "13 B", fmt.Sprintf("in use: writer %d is running", os.Getpid())},
		".locks/abc.lock": {"(lock)", "0 B", "idle lock"},
	}
	var gone string // a young file of a writer that exited, on this machine
	if boot := storage.BootID(); boot != "" {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		gone = fmt.Sprintf("reports/.tmp-%d-%s-00112233445566bb", cmd.Process.Pid, boot)
		writeRaw(t, dir, gone, []byte("half a record"))
		stale[gone] = true
		rowsWant[gone] = []string{"(temporary)", "13 B", fmt.Sprintf("stale: writer %d is gone", cmd.Process.Pid)}
	}

	code, out, errs := call("results", "ls")
	if code != exitOK || strings.Contains(out, ".tmp-") || strings.Contains(out, ".locks") {
		t.Fatalf("ls without -all shows temporary files: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = call("results", "ls", "-all")
	rows := tableRows(t, out)
	if code != exitOK || len(rows) != 4+len(rowsWant) || strings.Contains(out, users) {
		t.Fatalf("ls -all: exit %d\n%s%s", code, out, errs)
	}
	for name, want := range rowsWant {
		r := rows[name]
		if len(r) != 8 || r[1] != want[0] || r[4] != want[1] || !strings.HasPrefix(r[6], want[2]) {
			t.Errorf("ls -all row of %s: %q, want %q", name, r, want)
		}
	}
	code, out, _ = call("results", "ls", "-all", "-format", "json")
	if code != exitOK || !strings.Contains(out, `"status": "temporary"`) || !strings.Contains(out, `"kind": "lock"`) {
		t.Errorf("ls -all -format json: exit %d\n%s", code, out)
	}

	code, out, errs = call("results", "prune", "-tmp", "-dry-run")
	ok := code == exitOK && strings.Contains(errs, fmt.Sprintf("would remove %d temporary files", len(stale)))
	for name := range rowsWant {
		ok = ok && strings.Contains(out, "would remove "+name+" ") == stale[name]
	}
	if !ok || strings.Contains(out, users) {
		t.Fatalf("prune -tmp -dry-run: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, tmpOld)); err != nil {
		t.Fatalf("dry run removed a file: %v", err)
	}
	code, out, errs = call("results", "prune", "-tmp")
	if code != exitOK || !strings.Contains(errs, fmt.Sprintf("removed %d temporary files", len(stale))) || !strings.Contains(errs, "kept 2") {
		t.Fatalf("prune -tmp: exit %d\n%s%s", code, out, errs)
	}
	for _, rel := range []string{tmpOld, ".locks/abc.lock", gone, live, tmpYoung, users, "notes.txt", "flag"} {
		if rel == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); (err == nil) == stale[rel] {
			t.Errorf("after prune -tmp: %s exists=%v, want %v", rel, err == nil, !stale[rel])
		}
	}
	if code, _, errs := call("results", "prune"); code != exitUsage || !strings.Contains(errs, "-tmp") {
		t.Errorf("prune without criteria: exit %d, %s", code, errs)
	}
}

func TestResultsRemove(t *testing.T) {
	st, dir := resultsHome(t)
	standardRecords(t, st, dir)
	exists := func(key string) bool {
		_, err := st.Stat(context.Background(), key)
		return err == nil
	}
	all := []string{"flag", "old.json", "reports/rows.msgpack", "notes.txt"}

	for _, tt := range []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"hostile key", []string{"rm", "flag", "../outside"}, exitUsage, `invalid key "../outside"`},
		{"absolute key", []string{"rm", "/etc/passwd"}, exitUsage, "absolute path"},
		{"lock files", []string{"rm", ".locks/abc.lock"}, exitUsage, "reserved"},
		{"missing key", []string{"rm", "flag", "nope"}, exitProblems, "not found"},
		{"not a record", []string{"rm", "notes.txt", "flag"}, exitProblems, "not a resultgen record"},
		{"no key", []string{"rm"}, exitUsage, "no KEY"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := call("results", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.inStderr) || (len(tt.args) > 1 && !strings.Contains(errs, "nothing removed")) {
				t.Errorf("exit %d, want %d; stderr should contain %q and nothing removed:\n%s", code, tt.code, tt.inStderr, errs)
			}
			for _, k := range all {
				if !exists(k) {
					t.Fatalf("%s was removed", k)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, ".locks", "abc.lock")); err != nil {
		t.Errorf("lock file touched: %v", err)
	}

	code, out, errs := call("results", "rm", "old.json", "reports/rows.msgpack", "old.json")
	if code != exitOK {
		t.Fatalf("rm: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "removed "+filepath.Join(dir, "old.json")) || strings.Count(out, "removed") != 2 {
		t.Errorf("rm output:\n%s", out)
	}
	for k, want := range map[string]bool{"flag": true, "notes.txt": true, "old.json": false, "reports/rows.msgpack": false} {
		if exists(k) != want {
			t.Errorf("after rm, %s exists = %v, want %v", k, !want, want)
		}
	}
	if code, _, errs := call("results", "rm", "-force", "notes.txt"); code != exitOK || exists("notes.txt") {
		t.Errorf("rm -force notes.txt: exit %d\n%s", code, errs)
	}
}

func TestResultsPrune(t *testing.T) {
	now := time.Now().UTC()
	records := []struct {
		key     string
		task    string
		age     time.Duration
		expires time.Duration // from now; 0: never
	}{
		{"fresh", "a", time.Minute, 0},
		{"fresh-expiring", "a", time.Hour, time.Hour},
		{"expired-young", "a", 2 * time.Hour, -time.Hour},
		{"old", "b", 50 * time.Hour, 0},
		{"old-expired", "b", 100 * time.Hour, -10 * time.Hour},
		{"dir/old-a", "a", 30 * 24 * time.Hour, 0},
	}
	tests := []struct {
		name    string
		args    []string
		removed []string
	}{
		{"expired", []string{"-expired"}, []string{"expired-young", "old-expired"}},
		{"older than 48h", []string{"-older-than", "48h"}, []string{"dir/old-a", "old", "old-expired"}},
		{"older than days", []string{"-older-than", "3d"}, []string{"dir/old-a", "old-expired"}},
		{"task", []string{"-task", "b"}, []string{"old", "old-expired"}},
		{"all criteria", []string{"-expired", "-older-than", "1h", "-task", "a"}, []string{"expired-young"}},
		{"prefix", []string{"-older-than", "1h", "-prefix", "dir/"}, []string{"dir/old-a"}},
		{"nothing matches", []string{"-task", "zzz"}, nil},
	}
	for _, tt := range tests {
		for _, dry := range []bool{false, true} {
			name := tt.name
			if dry {
				name += " dry run"
			}
			t.Run(name, func(t *testing.T) {
				st, dir := resultsHome(t)
				for _, r := range records {
					m := record.Meta{Task: r.task, Created: now.Add(-r.age)}
					if r.expires != 0 {
						m.Expires = now.Add(r.expires)
					}
					put(t, st, r.key, m, serializer.JSON(), r.key)
				}
				writeRaw(t, dir, "foreign", []byte("x"))
				args := append([]string{"prune"}, tt.args...)
				if dry {
					args = append(args, "-dry-run")
				}
				code, out, errs := call("results", args...)
				if code != exitOK {
					t.Fatalf("exit %d\n%s%s", code, out, errs)
				}
				verb := "removed "
				if dry {
					verb = "would remove "
				}
				var printed []string
				for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
					if rest, ok := strings.CutPrefix(l, verb); ok {
						printed = append(printed, strings.Fields(rest)[0])
					}
				}
				if !slices.Equal(printed, tt.removed) {
					t.Errorf("printed %q, want %q\n%s", printed, tt.removed, out)
				}
				keys := []string{"foreign"}
				for _, r := range records {
					keys = append(keys, r.key)
				}
				for _, key := range keys {
					_, err := st.Stat(context.Background(), key)
					gone := errors.Is(err, storage.ErrNotFound)
					if want := !dry && slices.Contains(tt.removed, key); gone != want {
						t.Errorf("%s gone = %v, want %v", key, gone, want)
					}
				}
			})
		}
	}

	resultsHome(t)
	for _, tt := range []struct {
		name     string
		args     []string
		inStderr string
	}{
		{"no criterion", []string{"prune"}, "no prune criterion"},
		{"dry run alone", []string{"prune", "-dry-run"}, "no prune criterion"},
		{"prefix alone", []string{"prune", "-prefix", "a/"}, "no prune criterion"},
		{"bad duration", []string{"prune", "-older-than", "soon"}, "bad duration"},
		{"negative", []string{"prune", "-older-than", "-1h"}, "must be positive"},
		{"argument", []string{"prune", "-expired", "key"}, "resultgen results rm"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := call("results", tt.args...)
			if code != exitUsage || !strings.Contains(errs, tt.inStderr) {
				t.Errorf("exit %d, want 2; stderr %q should contain %q", code, errs, tt.inStderr)
			}
		})
	}
}

// TestResultsOfARuntimeTask reads records the runtime itself wrote, through
// the default storage of the settings.
func TestResultsOfARuntimeTask(t *testing.T) {
	_, dir := resultsHome(t)
	s, err := settings.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s)
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	persist := true
	def := &runtime.Def{Kind: runtime.KindTask, Name: "square", Func: "example.com/app.Square", GoType: "map[int]string", Value: true,
		Config: runtime.Config{Persist: &persist, CacheExpiration: time.Hour}}
	v, err := runtime.Run(ctx, runtime.Invocation[map[int]string]{
		Def:        def,
		StorageKey: func(runtime.KeyContext) (string, error) { return "squares/7", nil },
		Body:       func(context.Context) (map[int]string, error) { return map[int]string{7: "49"}, nil },
	}).Result()
	if err != nil || v[7] != "49" {
		t.Fatalf("task: %v, %v", v, err)
	}

	code, out, errs := call("results", "ls")
	row := tableRows(t, out)["squares/7"]
	if code != exitOK || len(row) != 8 || row[1] != "square" || row[2] != "map[int]string" || row[3] != "msgpack" || row[6] == "never" {
		t.Errorf("ls: exit %d, row %q\n%s%s", code, row, out, errs)
	}
	code, out, errs = call("results", "show", "-value", "-format", "json", "squares/7")
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); code != exitOK || err != nil {
		t.Fatalf("show: exit %d %v\n%s%s", code, err, out, errs)
	}
	if val, _ := obj["value"].(map[string]any); val["7"] != "49" || obj["location"] != filepath.Join(dir, "squares", "7") {
		t.Errorf("show json: %v", obj)
	}
	if code, out, errs := call("results", "verify", "squares/7"); code != exitOK || !strings.HasPrefix(out, "OK\tsquares/7") {
		t.Errorf("verify: exit %d\n%s%s", code, out, errs)
	}
}

func TestResultsFlowRun(t *testing.T) {
	st, dir := resultsHome(t)
	label := func(id string) record.Meta {
		return record.Meta{Task: "t", Labels: map[string]string{"flow_run_id": id}}
	}
	put(t, st, ".runs/squares/order-42", label("order-42"), nil, true)
	put(t, st, "a", label("order-42"), nil, true)
	put(t, st, "b", label("order-42/sub-1"), nil, true)
	put(t, st, "c", label("order-421"), nil, true)
	put(t, st, "d", record.Meta{Task: "t"}, nil, true)
	writeRaw(t, dir, "notes.txt", []byte("mine"))
	mine := []string{".runs/squares/order-42", "a", "b"}

	code, out, errs := call("results", "ls", "-flow-run", "order-42")
	rows := tableRows(t, out)
	if code != exitOK || len(rows) != len(mine) {
		t.Fatalf("ls -flow-run: exit %d, rows %v\n%s", code, rows, errs)
	}
	for _, k := range mine {
		if rows[k] == nil {
			t.Errorf("ls -flow-run: %s missing:\n%s", k, out)
		}
	}
	if code, _, errs := call("results", "ls", "-flow-run", "nope"); code != exitOK || !strings.Contains(errs, `no records of flow run "nope"`) {
		t.Errorf("ls -flow-run nope: exit %d\n%s", code, errs)
	}
	exists := func(key string) bool {
		_, err := st.Stat(context.Background(), key)
		return err == nil
	}
	code, out, errs = call("results", "rm", "-flow-run", "order-42", "-dry-run")
	if code != exitOK || strings.Count(out, "would remove") != len(mine) || !exists("a") {
		t.Fatalf("rm -flow-run -dry-run: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := call("results", "rm", "-flow-run", "order-42", "a"); code != exitUsage {
		t.Errorf("rm -flow-run with a key: exit %d, want %d", code, exitUsage)
	}
	code, out, errs = call("results", "rm", "-flow-run", "order-42")
	if code != exitOK || strings.Count(out, "removed") != len(mine) {
		t.Fatalf("rm -flow-run: exit %d\n%s%s", code, out, errs)
	}
	for k, want := range map[string]bool{".runs/squares/order-42": false, "a": false, "b": false, "c": true, "d": true, "notes.txt": true} {
		if exists(k) != want {
			t.Errorf("after rm -flow-run, %s exists = %v, want %v", k, !want, want)
		}
	}
}

// TestResultsShowRunCodeVersion: `results show` of a named run's record
// prints the code version of the flow that produced it, and so does the
// record of a run that started and did not finish.
func TestResultsShowRunCodeVersion(t *testing.T) {
	resultsHome(t)
	s, err := settings.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler))) // the failing run logs its error
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	const source = "sha256:1f0c2d3e4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	def := &runtime.Def{Kind: runtime.KindFlow, Name: "report", Func: "example.com/app.Report", Source: source, GoType: "int", Value: true}
	run := func(id string, err error) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{Def: def, Options: []runtime.Option{runtime.RunID(id)},
			Body: func(context.Context) (int, error) { return 7, err }})
	}
	if st := run("order-1", nil); st.Err() != nil || st.CodeVersion() != source {
		t.Fatalf("run: %v, code version %q", st, st.CodeVersion())
	}
	if st := run("order-2", errors.New("crash")); !st.IsFailed() {
		t.Fatalf("failing run: %v", st)
	}
	for key, also := range map[string]string{".runs/report/order-1": "run_record: true", ".runs/report/order-2": "run_record: started"} {
		code, out, errs := call("results", "show", key)
		if code != exitOK || !regexp.MustCompile(`(?m)^code version: +`+source+`$`).MatchString(out) || !regexp.MustCompile(`(?m)^  `+strings.Replace(also, " ", " +", 1)+`$`).MatchString(out) {
			t.Errorf("show %s: exit %d, want the line \"code version: %s\" and the label %q\n%s%s", key, code, source, also, out, errs)
		}
	}
	code, out, errs := call("results", "show", "-format", "json", ".runs/report/order-1")
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); code != exitOK || err != nil || obj["code_version"] != source {
		t.Errorf("show json: exit %d %v, code_version %v\n%s%s", code, err, obj["code_version"], out, errs)
	}
}

// results show says which resultgen version wrote a record (text and JSON),
// and that a record written before versions were recorded does not say.
func TestResultsShowWriter(t *testing.T) {
	st, dir := resultsHome(t)
	put(t, st, "new.msgpack", record.Meta{Task: "t"}, serializer.Msgpack(), []int{1})
	old, err := os.ReadFile(filepath.Join("..", "..", "internal", "record", "testdata", "v2", "msgpack.rec"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.msgpack"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"new.msgpack": "resultgen " + record.WriterVersion(),
		"old.msgpack": "- (before resultgen recorded its version)",
	} {
		code, out, errs := call("results", "show", key)
		if code != exitOK {
			t.Fatalf("show %s: exit %d\n%s", key, code, errs)
		}
		got := ""
		for _, line := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(line, "written by:"); ok {
				got = strings.TrimSpace(rest)
			}
		}
		if got != want {
			t.Errorf("show %s: written by %q, want %q\n%s", key, got, want, out)
		}
		code, out, errs = call("results", "show", "-format", "json", key)
		if code != exitOK {
			t.Fatalf("show -format json %s: exit %d\n%s", key, code, errs)
		}
		var obj struct{ Writer *string }
		if err := json.Unmarshal([]byte(out), &obj); err != nil {
			t.Fatal(err)
		}
		switch {
		case key == "new.msgpack" && (obj.Writer == nil || *obj.Writer != record.WriterVersion()):
			t.Errorf("show -format json %s: writer %v, want %q\n%s", key, obj.Writer, record.WriterVersion(), out)
		case key == "old.msgpack" && obj.Writer != nil:
			t.Errorf("show -format json %s: writer %q, want none\n%s", key, *obj.Writer, out)
		}
	}
}
