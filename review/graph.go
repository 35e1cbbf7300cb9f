package review

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Formats of the flow pictures Write draws.
const (
	FormatMermaid = "mermaid"
	FormatDot     = "dot"
)

// graph is the picture of a report: per package, a node for each task
// and flow, and an edge from each flow to each task or flow it calls,
// labelled with the settings of that call.
type graph struct {
	packages []graphPackage
	edges    []graphEdge
}

type graphPackage struct {
	name  string
	nodes []graphNode
}

type graphNode struct {
	id    string // "p0_flow_Persisting": unique, stable for a report
	kind  string // "task" or "flow"
	label []string
}

type graphEdge struct {
	from, to string   // node ids
	label    []string // lines
}

// graphOf builds r's picture, in the report's order (package, then source
// order), so that the same report always draws the same text.
func graphOf(r *Report) graph {
	var g graph
	names, groups := byPackage(r.Rows)
	for pi, name := range names {
		pkg := graphPackage{name: name}
		id := func(kind, fn string) string { return fmt.Sprintf("p%d_%s_%s", pi, kind, fn) }
		flows := map[string]bool{}
		for _, row := range groups[name] {
			if row.Kind == "flow" {
				flows[row.Func] = true
			}
		}
		for _, row := range groups[name] {
			if row.CalledFrom != "" {
				continue
			}
			n := graphNode{id: id(row.Kind, row.Func), kind: row.Kind, label: []string{row.Kind + " " + row.Func}}
			if row.Kind == "flow" {
				n.label = append(n.label, "result: "+resultWhere(row))
			}
			pkg.nodes = append(pkg.nodes, n)
			// Flows that call it with its standalone settings.
			for _, f := range row.SameIn {
				g.edges = append(g.edges, graphEdge{from: id("flow", f), to: n.id, label: callLabel(row, nil)})
			}
		}
		for _, row := range groups[name] {
			if row.CalledFrom == "" || !flows[row.CalledFrom] {
				continue
			}
			g.edges = append(g.edges, graphEdge{from: id("flow", row.CalledFrom), to: id(row.Kind, row.Func), label: callLabel(row, row.CalledVia)})
		}
		g.packages = append(g.packages, pkg)
	}
	// Each flow's calls together, flows in node order, calls in row order.
	order := map[string]int{}
	for _, p := range g.packages {
		for _, n := range p.nodes {
			order[n.id] = len(order)
		}
	}
	slices.SortStableFunc(g.edges, func(a, b graphEdge) int { return cmp.Compare(order[a.from], order[b.from]) })
	return g
}

// resultWhere says where a row's result goes: its storage, or "not
// persisted".
func resultWhere(r Row) string {
	if !r.Persisted {
		return "not persisted"
	}
	return r.Storage
}

// callLabel is the label of the edge of one call: "via" the flows above
// the caller, then persistence, storage, serializer and the cache policy.
func callLabel(r Row, via []string) []string {
	var l []string
	if len(via) > 0 {
		l = append(l, "via "+strings.Join(via, " > "))
	}
	if !r.Persisted {
		return append(l, "not persisted")
	}
	ser := r.Serializer
	if r.Compression != "" {
		ser += "+" + r.Compression
	}
	l = append(l, "persisted: "+r.Storage, ser)
	if r.Kind == "task" {
		cache := "cache: " + r.CachePolicy
		if r.CacheExpiration != "" {
			cache += ", expires " + r.CacheExpiration
		}
		l = append(l, cache)
	}
	return l
}

// mermaidText escapes a label line for a quoted Mermaid string: entity
// codes for the characters Mermaid or HTML would read.
var mermaidText = strings.NewReplacer(`#`, "#35;", `"`, "#quot;", `<`, "#lt;", `>`, "#gt;")

func mermaidLabel(lines []string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = mermaidText.Replace(l)
	}
	return `"` + strings.Join(esc, "<br/>") + `"`
}

// writeMermaid draws r as a Mermaid flowchart, for Markdown (code hosts
// render a ```mermaid block): a subgraph per package, flows as rounded
// nodes, tasks as boxes.
func writeMermaid(w io.Writer, r *Report) error {
	g := graphOf(r)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, p := range g.packages {
		fmt.Fprintf(&b, "  subgraph p%d [%s]\n", i, mermaidLabel([]string{p.name}))
		for _, n := range p.nodes {
			open, closing := "[", "]"
			if n.kind == "flow" {
				open, closing = "([", "])"
			}
			fmt.Fprintf(&b, "    %s%s%s%s\n", n.id, open, mermaidLabel(n.label), closing)
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", e.from, mermaidLabel(e.label), e.to)
	}
	if len(g.packages) == 0 {
		b.WriteString("  empty[\"no tasks or flows\"]\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dotLabel quotes label lines for Graphviz, one line each.
func dotLabel(lines []string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = strings.TrimSuffix(strings.TrimPrefix(strconv.Quote(l), `"`), `"`)
	}
	return `"` + strings.Join(q, `\n`) + `"`
}

// writeDot draws r as a Graphviz digraph (dot -Tsvg): a cluster per
// package, flows as rounded boxes, tasks as boxes.
func writeDot(w io.Writer, r *Report) error {
	g := graphOf(r)
	var b strings.Builder
	b.WriteString("digraph resultgen {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for i, p := range g.packages {
		fmt.Fprintf(&b, "  subgraph cluster_p%d {\n    label=%s;\n", i, dotLabel([]string{p.name}))
		for _, n := range p.nodes {
			style := ""
			if n.kind == "flow" {
				style = `, style="rounded,bold"`
			}
			fmt.Fprintf(&b, "    %s [label=%s%s];\n", n.id, dotLabel(n.label), style)
		}
		b.WriteString("  }\n")
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", e.from, e.to, dotLabel(e.label))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
