package helpers

// B doubles n.
func B(n int) int {
	return n * 2
}

// Counter counts.
type Counter struct{ N int }

// Add adds n.
func (c *Counter) Add(n int) { c.N += n }

// Reset is a method of a referenced type: covered too.
func (c *Counter) Reset() { c.N = 0 }

// Other is not called.
func Other() int { return 3 }
