package codever

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/internal/model/testdata/tmp-codever-1081768025/helpers"
)

//result:task persist
func Compute(n int) string {
	return fmt.Sprint(helperA(n))
}

func helperA(n int) int {
	var c helpers.Counter
	c.Add(n)
	return helpers.B(n) + c.N + limit
}

const limit = 3

var namespace = uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c9")

// Unrelated is not called by Compute.
func Unrelated() string { return namespace.String() }

//result:task
func Other(n int) int { return Unrelated2(n) }

func Unrelated2(n int) int { return n }
