// Package s3e2e holds end-to-end tests of results shared through S3: several
// operating-system processes run the same generated flows against one real
// MinIO server, the way workers on different machines share results. It has
// no code of its own to import; everything is in its tests.
//
// # What is tested
//
//   - Two processes one after the other: the second gets "Cached" states
//     and the first process's values, for a storage_key'd task and for a task
//     cached by inputs+task_source.
//   - Eight processes started together asking for one isolation=serializable
//     key: exactly one runs the body, all get its value. With
//     read_committed, every process gets the same intact value and the
//     stored record verifies.
//   - A process killed while its serializable task holds the key's lease
//     (RESULTGEN_LEASE_TTL=2s): the next process says once, at WARN, which
//     process (host, pid) holds the key and until when, takes the key over
//     within about one TTL, and computes it.
//   - The server killed while a flow uploads its second result: the task
//     fails with an error naming the endpoint, nothing is visible at the key
//     after a restart, and the flow's retry loads the first result instead
//     of recomputing it.
//
// The processes run testdata/flow, a program with //result: directives and
// its committed result_gen.go (regenerate it with
// go run ./cmd/resultgen ./internal/s3e2e/testdata/flow); the tests build it
// once with go build. Its flows store results in the block "s3/e2e", which
// each test points at a bucket of its own by writing
// $RESULTGEN_HOME/config.toml through the settings profile API.
// Credentials reach the processes through AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, as in production.
//
// # Running
//
//	./scripts/with-minio.sh go test -race -count=1 ./internal/s3e2e/
//
// scripts/with-minio.sh starts a throw-away MinIO and exports
// RESULTGEN_TEST_S3_ENDPOINT and the rest. Without it the tests skip and say
// so; under CI=true they fail instead. The test that kills the server starts
// a private MinIO of its own from RESULTGEN_TEST_MINIO_BIN, so the shared one
// stays up for other packages.
package s3e2e
