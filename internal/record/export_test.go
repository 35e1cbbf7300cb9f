package record

// HashBehindMin is the payload size from which a read hashes behind its
// reads (hashBehindMin), for tests of that path.
const HashBehindMin = hashBehindMin
