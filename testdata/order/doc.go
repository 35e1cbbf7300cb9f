// Package order has 24 tasks, one a file, whose bodies differ in size so
// that the loader's parallel parses finish out of order: the generated file
// lists them by file name and line all the same (TestOrderFollowsFiles
// generates it five times).
package order
