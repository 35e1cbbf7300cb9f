package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/resultgen/resultgen/resulttest"
	"github.com/resultgen/resultgen/runtime"
)

// The first order commits its three records together; the second, whose
// shipment fails, leaves none; the first, placed again, is skipped.
func TestOrders(t *testing.T) {
	h := resulttest.New(t)
	ctx := h.Context()
	keys := func() []string {
		var out []string
		for info, err := range h.Storage().List(ctx, "orders/") {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, info.Key)
		}
		return out
	}
	a := Order{ID: "A-1", Item: "kettle", Cents: 2500, Address: "1 High St"}
	res, err := Place(ctx, a)
	if err != nil || res.Status != runtime.TxnCommitted || res.Staged != 3 {
		t.Fatalf("order A-1: %+v, %v; want Committed with 3 records", res, err)
	}
	want := []string{"orders/A-1/charge.json", "orders/A-1/reservation.json", "orders/A-1/shipment.json"}
	if got := keys(); !slices.Equal(got, want) {
		t.Errorf("records after A-1: %q, want %q", got, want)
	}

	res, err = Place(ctx, Order{ID: "B-2", Item: "teapot", Cents: 1800})
	if !errors.Is(err, ErrNoAddress) || res.Status != runtime.TxnRolledBack {
		t.Fatalf("order B-2: %+v, %v; want RolledBack with ErrNoAddress", res, err)
	}
	if got := keys(); !slices.Equal(got, want) {
		t.Errorf("records after B-2: %q, want A-1's alone", got)
	}

	res, err = Place(ctx, a)
	if err != nil || res.Status != runtime.TxnSkipped {
		t.Errorf("order A-1 again: %+v, %v; want Skipped", res, err)
	}
}
