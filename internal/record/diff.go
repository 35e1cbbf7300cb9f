package record

import (
	"fmt"
	"sort"
	"strings"
)

// Compare says what differs between two records of a task, in the terms
// of their key manifests and result types: "parameter n changed", "code
// changed: func normalize (pipeline/clean.go:42)", "result type changed:
// field Total added", "flow run changed", ... One line per difference, in
// a fixed order; none when the records were made of the same components.
// Components a manifest does not have (an older record, a key made by a
// storage_key template) are not compared.
func Compare(old, cur Meta) []string {
	var out []string
	om, nm := old.Manifest, cur.Manifest
	if om != nil && nm != nil {
		if om.KeyFrom != nm.KeyFrom || om.Policy != nm.Policy || om.StorageKey != nm.StorageKey {
			out = append(out, fmt.Sprintf("key rule changed: %s -> %s", keyRule(om), keyRule(nm)))
		}
		out = append(out, compareParams(om.Params, nm.Params)...)
		if om.Params == nil && nm.Params == nil && om.Inputs != nm.Inputs && om.Inputs != "" && nm.Inputs != "" {
			out = append(out, "inputs changed")
		}
		if om.Source != "" && nm.Source != "" && om.Source != nm.Source {
			out = append(out, compareUnits(om.Units, nm.Units)...)
		}
		if om.RunID != "" && nm.RunID != "" && om.RunID != nm.RunID {
			if cur.Labels["flow_run_id"] != "" || old.Labels["flow_run_id"] != "" {
				out = append(out, "flow run changed: "+runName(old)+" -> "+runName(cur)+" (cache_policy has run_id)")
			} else {
				out = append(out, "task run changed: the task runs outside a flow and cache_policy has run_id, so every run has its own key")
			}
		}
		if om.FlowParameters != nm.FlowParameters && om.FlowParameters != "" && nm.FlowParameters != "" {
			out = append(out, "flow parameters changed")
		}
	}
	if old.TypeHash != "" && cur.TypeHash != "" && old.TypeHash != cur.TypeHash {
		out = append(out, CompareTypes(old.GoType, old.TypeDesc, cur.GoType, cur.TypeDesc)...)
	}
	return out
}

func keyRule(m *Manifest) string {
	switch m.KeyFrom {
	case "storage_key":
		return "storage_key " + m.StorageKey
	case "cache_key_fn":
		return "cache_key_fn"
	}
	return "cache_policy " + m.Policy
}

func runName(m Meta) string {
	if n := m.Labels["flow_run_name"]; n != "" {
		return n
	}
	if n := m.Labels["flow_run_id"]; n != "" {
		return n
	}
	return "none"
}

func compareParams(old, cur []ParamSum) []string {
	was := map[string]ParamSum{}
	for _, p := range old {
		was[p.Name] = p
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range cur {
		seen[p.Name] = true
		o, ok := was[p.Name]
		switch {
		case !ok && old != nil:
			out = append(out, "parameter "+p.Name+" added")
		case !ok:
		case o.Excluded != p.Excluded && p.Excluded:
			out = append(out, "parameter "+p.Name+" left out of the key now (inputs-"+p.Name+")")
		case o.Excluded != p.Excluded:
			out = append(out, "parameter "+p.Name+" part of the key now")
		case o.Hash != p.Hash:
			out = append(out, "parameter "+p.Name+" changed")
		}
	}
	for _, p := range old {
		if !seen[p.Name] && cur != nil {
			out = append(out, "parameter "+p.Name+" removed")
		}
	}
	return out
}

// unit is one line of Manifest.Units: "KIND NAME HASH POS" or "module
// PATH@VERSION".
type unit struct{ kind, name, hash, pos string }

func parseUnits(lines []string) map[string]unit {
	m := make(map[string]unit, len(lines))
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "module":
			path, version, _ := strings.Cut(f[1], "@")
			m["module "+path] = unit{kind: "module", name: path, hash: version}
		case len(f) == 4:
			m[f[0]+" "+f[1]] = unit{kind: f[0], name: f[1], hash: f[2], pos: f[3]}
		}
	}
	return m
}

// compareUnits names the covered declarations and modules that changed,
// were added or were removed between two code versions.
func compareUnits(old, cur []string) []string {
	if len(old) == 0 || len(cur) == 0 {
		return []string{"code changed (the records do not list what their code version covers)"}
	}
	o, n := parseUnits(old), parseUnits(cur)
	keys := make([]string, 0, len(o)+len(n))
	for k := range n {
		keys = append(keys, k)
	}
	for k := range o {
		if _, ok := n[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		a, inOld := o[k]
		b, inNew := n[k]
		switch {
		case inOld && inNew && a.hash == b.hash:
		case a.kind == "module" || b.kind == "module":
			switch {
			case !inOld:
				out = append(out, "code changed: module "+b.name+"@"+b.hash+" added")
			case !inNew:
				out = append(out, "code changed: module "+a.name+"@"+a.hash+" no longer used")
			default:
				out = append(out, "code changed: module "+b.name+" "+a.hash+" -> "+b.hash)
			}
		case !inOld:
			out = append(out, fmt.Sprintf("code changed: %s %s added (%s)", b.kind, shortName(b.name), b.pos))
		case !inNew:
			out = append(out, fmt.Sprintf("code changed: %s %s no longer used (was %s)", a.kind, shortName(a.name), a.pos))
		default:
			out = append(out, fmt.Sprintf("code changed: %s %s (%s)", b.kind, shortName(b.name), b.pos))
		}
	}
	if len(out) == 0 {
		out = append(out, "code changed")
	}
	return out
}

// CompareTypes says how a result type changed between two canonical
// descriptions (internal/typeid): the fields added, removed or changed in
// each struct, by its type name, else both descriptions.
func CompareTypes(oldGo, oldDesc, curGo, curDesc string) []string {
	if oldDesc == "" || curDesc == "" {
		if oldGo != curGo {
			return []string{"result type changed: " + oldGo + " -> " + curGo}
		}
		return []string{"result type changed: " + curGo + " is defined differently"}
	}
	olds, ns := structsOf(oldDesc), structsOf(curDesc)
	var out []string
	names := make([]string, 0, len(ns))
	for name := range ns {
		if _, ok := olds[name]; ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		of, nf := olds[name], ns[name]
		where := ""
		if name != curGo && name != "" && !strings.HasPrefix(curDesc, name+"=") {
			where = " of " + shortName(name)
		}
		ofm := map[string]string{}
		for _, f := range of {
			ofm[fieldName(f)] = f
		}
		nfm := map[string]bool{}
		for _, f := range nf {
			n := fieldName(f)
			nfm[n] = true
			o, ok := ofm[n]
			switch {
			case !ok:
				out = append(out, "result type changed: field "+n+where+" added")
			case o != f && fieldRest(o) != fieldRest(f):
				out = append(out, "result type changed: field "+n+where+": "+fieldRest(o)+" -> "+fieldRest(f))
			}
		}
		for _, f := range of {
			if n := fieldName(f); !nfm[n] {
				out = append(out, "result type changed: field "+n+where+" removed")
			}
		}
	}
	if len(out) == 0 {
		if oldGo != curGo {
			return []string{"result type changed: " + oldGo + " -> " + curGo}
		}
		return []string{"result type changed: was " + clip(oldDesc) + ", now " + clip(curDesc)}
	}
	return out
}

func shortName(q string) string {
	if i := strings.LastIndex(q, "/"); i >= 0 {
		return q[i+1:]
	}
	return q
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// structsOf finds each struct in a canonical description, keyed by the
// qualified name it is the underlying type of ("" for the outermost
// struct when it has no name), and splits its fields.
func structsOf(desc string) map[string][]string {
	out := map[string][]string{}
	for i := 0; ; {
		j := strings.Index(desc[i:], "struct{")
		if j < 0 {
			return out
		}
		start := i + j
		name := ""
		if start > 0 && desc[start-1] == '=' {
			k := start - 1
			for k > 0 && !strings.ContainsRune(" *;{(,=]", rune(desc[k-1])) {
				k--
			}
			name = desc[k : start-1]
		}
		body, end := braced(desc, start+len("struct"))
		if _, dup := out[name]; !dup {
			out[name] = splitFields(body)
		}
		i = start + len("struct{")
		if end <= i {
			return out
		}
	}
}

// braced returns the text inside the braces opening at s[open] and the
// index after the closing brace; quoted tags are skipped.
func braced(s string, open int) (string, int) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[open+1 : i], i + 1
			}
		}
	}
	return s[open+1:], len(s)
}

// splitFields splits a struct body at the "; " between fields (not inside
// nested brackets or tags).
func splitFields(body string) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
		case '{', '[', '(':
			depth++
		case '}', ']', ')':
			depth--
		case ';':
			if depth == 0 {
				out = append(out, strings.TrimSpace(body[last:i]))
				last = i + 1
			}
		}
	}
	if f := strings.TrimSpace(body[last:]); f != "" {
		out = append(out, f)
	}
	return out
}

// fieldName is a field's name, or the embedded type.
func fieldName(f string) string {
	name, rest, ok := strings.Cut(f, " ")
	if !ok || strings.HasPrefix(rest, "\"") {
		return name // embedded, perhaps with a tag
	}
	return name
}

func fieldRest(f string) string {
	_, rest, _ := strings.Cut(f, " ")
	return clip(strings.SplitN(rest, "=", 2)[0])
}
