package annotations

import "github.com/resultgen/resultgen/internal/suggest"

// didYouMean formats a suggestion suffix: ` (did you mean "x"?)`, or "".
func didYouMean(s string, candidates []string) string { return suggest.DidYouMean(s, candidates) }

// orList joins words as "a, b or c".
func orList(words []string) string { return suggest.OrList(words) }
