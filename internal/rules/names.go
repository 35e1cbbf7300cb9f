package rules

// The names users write in directives, settings and options, each list
// defined once: annotations checks directives against them, the settings
// check RESULTGEN_RESULTS_DEFAULT_SERIALIZER, the serializer package and the
// runtime build from them (TestOneVocabulary fails on a second copy).

// Serializer names: the built-in serializers, the prefix of a compressed
// one ("compressed/json"), and the default.
const (
	Msgpack           = "msgpack"
	JSON              = "json"
	Gob               = "gob"
	DefaultSerializer = Msgpack
	CompressedPrefix  = "compressed/"
)

// Compression names, for compressed serializers, and the one
// "compressed/<x>" uses when none is given.
const (
	Zstd               = "zstd"
	Gzip               = "gzip"
	Zlib               = "zlib"
	DefaultCompression = Zstd
)

// Isolation levels (the isolation directive key, runtime.Isolation).
const (
	// ReadCommitted takes no lock: concurrent runs of one key may all
	// compute; the first committed record wins and the others return it.
	ReadCommitted = "read_committed"
	// Serializable computes a key once at a time (see runtime.Serializable).
	Serializable = "serializable"
)

// Serializers returns the built-in serializer names, the default first.
func Serializers() []string { return []string{Msgpack, JSON, Gob} }

// SerializerSpellings returns every way to name a built-in serializer: its
// name, and "compressed/" before it.
func SerializerSpellings() []string {
	names := Serializers()
	for _, n := range Serializers() {
		names = append(names, CompressedPrefix+n)
	}
	return names
}

// Compressions returns the compression names, the default first.
func Compressions() []string { return []string{Zstd, Gzip, Zlib} }

// Isolations returns the isolation levels, the default first.
func Isolations() []string { return []string{ReadCommitted, Serializable} }
