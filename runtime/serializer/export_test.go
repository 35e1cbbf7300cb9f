package serializer

// Unregister removes the serializer typ added by Register, so that a test
// that registers one leaves the process-wide registry as it found it (and
// runs again under -count). Tests only: a program registers for good.
func Unregister(typ string) {
	registry.Lock()
	delete(registry.m, typ)
	registry.Unlock()
}
