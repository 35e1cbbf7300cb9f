package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// Total sums n scaled values.
//
//result:task cache_policy=inputs+task_source
func Total(n int) int {
	t := 0
	for i := 0; i < n; i++ {
		t += normalize(i)
	}
	return t
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	st := TotalTask.State(context.Background(), n)
	v, err := st.Result()
	fmt.Printf("%s|%s|%s|%d|%v\n", st.Name(), st.CacheReason(), st.Key(), v, err)
}
