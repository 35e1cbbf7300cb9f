// Package suggest finds the likely intended word behind a typo and formats
// the "did you mean" hints and word lists of resultgen's diagnostics, so that
// annotations, the cache-policy parser and the CLI word them alike.
package suggest

import (
	"strings"
)

// Closest returns the candidate nearest to s by edit distance (optimal string
// alignment: insertions, deletions, substitutions and swaps of neighbours,
// ignoring case), or "" when none is close enough to be a likely typo.
func Closest(s string, candidates []string) string {
	if s == "" {
		return ""
	}
	ls := strings.ToLower(s)
	limit := 2
	if len(ls) <= 4 {
		limit = 1
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		d := EditDistance(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD >= len(ls) && bestD > 0 {
		return "" // everything would have to change
	}
	return best
}

// EditDistance is the optimal-string-alignment distance between a and b,
// counted in bytes.
func EditDistance(a, b string) int {
	// Three rows: two back, previous, current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// DidYouMean formats a suggestion suffix: ` (did you mean "x"?)`, or "".
func DidYouMean(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" && c != s {
		return ` (did you mean "` + c + `"?)`
	}
	return ""
}

// OrList joins words as "a, b or c".
func OrList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
