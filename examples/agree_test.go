package examples_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/review"
	"github.com/resultgen/resultgen/runtime/settings"
)

// TestQuizRunAgreesWithReview runs the quiz and checks that each State's
// PersistReason and Location are what `resultgen review` says for the same
// task and calling flow, under the same settings.
func TestQuizRunAgreesWithReview(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "quiz"), newEnv(t)
	out := e.run(t, bin)
	rep, err := review.Review(context.Background(),
		review.Config{Dir: ".", Settings: &settings.Settings{LocalStoragePath: e.storage}}, "./quiz")
	if err != nil {
		t.Fatal(err)
	}
	row := func(fn, from string) review.Row {
		for _, r := range rep.Rows {
			if r.Func == fn && r.CalledFrom == from {
				return r
			}
		}
		for _, r := range rep.Rows {
			if r.Func == fn && r.CalledFrom == "" {
				for _, s := range r.SameIn {
					if s == from {
						return r
					}
				}
			}
		}
		t.Fatalf("review has no row for %s called from %s", fn, from)
		return review.Row{}
	}
	persisted := regexp.MustCompile(`^(\S+ \S+ in \S+)\s+persisted \((.*)\) -> (.*)$`)
	notPersisted := regexp.MustCompile(`^(\S+ \S+ in \S+)\s+not persisted \((.*)\)$`)
	cases := map[string][2]string{ // printed label -> task, calling flow (Go names)
		"Q1 Say in persisting":            {"Say", "Persisting"},
		"Q2 SayUnpersisted in persisting": {"SayUnpersisted", "Persisting"},
		"Q3 Say in retrying":              {"Say", "Retrying"},
		"Q3 Log in retrying":              {"Log", "Retrying"},
		"Q4 ExtractUser in club":          {"ExtractUser", "Club"},
		"Q4 ExtractNumber in club":        {"ExtractNumber", "Club"},
		"Q4 Transform in club":            {"Transform", "Club"},
	}
	seen := 0
	for _, line := range strings.Split(out, "\n") {
		var label, reason, location string
		ok := false
		if m := persisted.FindStringSubmatch(line); m != nil {
			label, reason, location, ok = m[1], m[2], m[3], true
		} else if m := notPersisted.FindStringSubmatch(line); m != nil {
			label, reason, ok = m[1], m[2], true
		}
		c, known := cases[label]
		if !ok || !known {
			continue
		}
		seen++
		r := row(c[0], c[1])
		if r.Why != reason || r.Persisted != (location != "") {
			t.Errorf("%s: run says persisted=%v (%s), review persisted=%v (%s)", label, location != "", reason, r.Persisted, r.Why)
		}
		if dir := strings.TrimPrefix(r.Storage, "local:"); location != "" && !strings.Contains(location, dir) {
			t.Errorf("%s: run stored it at %s, review says %s", label, location, r.Storage)
		}
	}
	if seen != len(cases) {
		t.Errorf("found %d of the %d quiz answers in the output:\n%s", seen, len(cases), out)
	}
}
