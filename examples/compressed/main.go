// Command compressed stores the same result with several serializers, plain
// and compressed, and prints how large each record is.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// Row is one line of a table.
type Row struct {
	ID    int
	Name  string
	Score float64
	Tags  []string
}

func table() []Row {
	rows := make([]Row, 5000)
	for i := range rows {
		rows[i] = Row{ID: i, Name: fmt.Sprintf("row-%04d", i), Score: float64(i%97) / 7, Tags: []string{"alpha", "beta"}}
	}
	return rows
}

// AsJSON stores the table as plain JSON.
//
//result:task storage_key=table.json serializer=json
func AsJSON() []Row { return table() }

// AsZstdJSON stores it as zstd-compressed JSON (zstd is the default).
//
//result:task storage_key=table.json.zst serializer=compressed/json
func AsZstdJSON() []Row { return table() }

// AsGzipMsgpack stores it as gzip-compressed msgpack.
//
//result:task storage_key=table.msgpack.gz serializer=compressed/msgpack compression=gzip
func AsGzipMsgpack() []Row { return table() }

// AsZlibGob stores it as zlib-compressed gob.
//
//result:task storage_key=table.gob.zlib serializer=compressed/gob compression=zlib
func AsZlibGob() []Row { return table() }

// Compare runs every variant and prints each record's size.
//
//result:flow
func Compare(ctx context.Context) error {
	type sized interface {
		Location() string
		Size() int64
		Err() error
	}
	for _, v := range []struct {
		name string
		st   sized
	}{
		{"json", AsJSONTask.State(ctx)},
		{"compressed/json (zstd)", AsZstdJSONTask.State(ctx)},
		{"compressed/msgpack (gzip)", AsGzipMsgpackTask.State(ctx)},
		{"compressed/gob (zlib)", AsZlibGobTask.State(ctx)},
	} {
		if err := v.st.Err(); err != nil {
			return err
		}
		fmt.Printf("%-26s %8d bytes  %s\n", v.name, v.st.Size(), v.st.Location())
	}
	rows, err := AsZlibGobTask.Call(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("read back %d rows, last %s with tags %s\n", len(rows), rows[len(rows)-1].Name, strings.Join(rows[len(rows)-1].Tags, ","))
	return nil
}

func main() {
	err := CompareFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "compressed:", err)
		os.Exit(1)
	}
}
