package results

import (
	"testing"

	"github.com/resultgen/resultgen/internal/record"
)

func TestMatchName(t *testing.T) {
	step := record.Meta{Task: "load-rows", Func: "example.com/app/durable.LoadRows"}
	for _, tt := range []struct {
		m    record.Meta
		name string
		want bool
	}{
		{step, "load-rows", true},
		{step, "example.com/app/durable.LoadRows", true},
		{step, "example.com/app/durable.load-rows", true},
		{step, "durable.LoadRows", true},
		{step, "durable.load-rows", true},
		{step, "LoadRows", false}, // the Go name alone is no task name
		{step, "example.com/app/durable2.LoadRows", false},
		{step, "app/durable.LoadRows", false},
		{step, "", true},
		{record.Meta{Task: "old"}, "old", true},
		{record.Meta{Task: "old"}, "x.old", false},
	} {
		if got := MatchName(tt.m, tt.name); got != tt.want {
			t.Errorf("MatchName(%s %s, %q) = %v, want %v", tt.m.Task, tt.m.Func, tt.name, got, tt.want)
		}
	}
	if err := CheckName("Step", []string{"a/x.Step", "a/y.Step"}, "-task"); err == nil {
		t.Error("two packages: no error")
	}
	if err := CheckName("Step", []string{"(Step)", "a/x.Step"}, "-task"); err != nil {
		t.Errorf("a package and records that name none: %v", err)
	}
	if err := CheckName("Step", []string{"a/x.Step", "a/x.Other"}, "-task"); err != nil {
		t.Errorf("one package: %v", err)
	}
}
