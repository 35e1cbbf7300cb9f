// Package other declares types for package corpus to use across a package
// boundary.
package other

//lint:file-ignore U1000 unexported fields are part of the types' identities, which the corpus tests compare

// User has the same name as corpus.User; the two must never be confused.
type User struct {
	Email string `json:"email"`
}

// Thing is a small struct.
type Thing struct {
	N    int
	note string
}

// Generic is a generic type from another package.
type Generic[T any] struct {
	Items []T `msgpack:"items"`
}
