package storage

// CommitsWithLink makes l's write-if-absent link and unlink, as where
// renameat2 with RENAME_NOREPLACE is unsupported.
func (l *Local) CommitsWithLink() { l.linkOnly.Store(true) }

// RenamesNoReplace reports whether l's write-if-absent uses renameat2.
func (l *Local) RenamesNoReplace() bool { return !l.linkOnly.Load() }

// SetListRun makes l's List sort folders in runs of n names, spilling the
// runs to temporary files as it does for very large folders.
func SetListRun(l *Local, n int) { l.listRun = n }
