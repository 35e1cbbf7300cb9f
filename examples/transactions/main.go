// Command transactions places two orders, each in a transaction of three
// tasks: reserve the stock, charge the card, book the shipment. The first
// order commits: its three records become visible together, then each
// task's on_commit hook runs. The second order's shipment fails: none of
// its records is ever visible, and the on_rollback hooks of the tasks that
// had completed run, newest first (refund the charge, then release the
// stock), each with its task's typed result. Placing the first order again
// does nothing: a transaction keyed by the order id that committed is not
// run again.
package main

//go:generate go tool resultgen

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/resultgen/resultgen/runtime"
)

// Order is what a customer asked for.
type Order struct {
	ID      string
	Item    string
	Cents   int
	Address string
}

// Reservation holds stock for an order.
type Reservation struct {
	Order string
	Item  string
}

// Charge is a payment taken for an order.
type Charge struct {
	Order string
	Cents int
}

// Reserve holds the order's item in stock.
//
//result:task storage_key="orders/{parameters[o].ID}/reservation.json" serializer=json
//result:on_rollback=release
func Reserve(o Order) (Reservation, error) {
	fmt.Printf("  reserve %s for %s\n", o.Item, o.ID)
	return Reservation{Order: o.ID, Item: o.Item}, nil
}

// release gives the stock back when the order's transaction rolls back.
func release(r Reservation) { fmt.Printf("  rollback: release %s of %s\n", r.Item, r.Order) }

// ChargeCard takes the payment.
//
//result:task storage_key="orders/{parameters[o].ID}/charge.json" serializer=json
//result:on_rollback=refund on_commit=receipt
func ChargeCard(ctx context.Context, o Order) (Charge, error) {
	fmt.Printf("  charge %d cents for %s\n", o.Cents, o.ID)
	return Charge{Order: o.ID, Cents: o.Cents}, nil
}

// refund pays a charge back when the order's transaction rolls back.
func refund(ctx context.Context, c Charge) error {
	fmt.Printf("  rollback: refund %d cents of %s\n", c.Cents, c.Order)
	return nil
}

// receipt mails the receipt once the order's transaction committed.
func receipt(c Charge) { fmt.Printf("  commit: mail the receipt of %s (%d cents)\n", c.Order, c.Cents) }

// ErrNoAddress fails a shipment.
var ErrNoAddress = errors.New("no shipping address")

// Ship books the shipment.
//
//result:task storage_key="orders/{parameters[o].ID}/shipment.json" serializer=json
func Ship(o Order) (string, error) {
	if o.Address == "" {
		return "", ErrNoAddress
	}
	fmt.Printf("  ship %s to %s\n", o.ID, o.Address)
	return "parcel-" + o.ID, nil
}

// Place runs the three tasks of an order in one transaction keyed by the
// order's id.
func Place(ctx context.Context, o Order) (runtime.TxnResult, error) {
	return runtime.Transaction(ctx, func(ctx context.Context) error {
		if _, err := ReserveTask.Call(ctx, o); err != nil {
			return err
		}
		if _, err := ChargeCardTask.Call(ctx, o); err != nil {
			return err
		}
		_, err := ShipTask.Call(ctx, o)
		return err
	}, runtime.TxnKey("orders/"+o.ID))
}

func main() {
	ctx := context.Background()
	orders := []Order{
		{ID: "A-1", Item: "kettle", Cents: 2500, Address: "1 High St"},
		{ID: "B-2", Item: "teapot", Cents: 1800},
		{ID: "A-1", Item: "kettle", Cents: 2500, Address: "1 High St"},
	}
	for _, o := range orders {
		fmt.Printf("order %s:\n", o.ID)
		res, err := Place(ctx, o)
		if err != nil && !errors.Is(err, ErrNoAddress) {
			fmt.Fprintln(os.Stderr, "transactions:", err)
			os.Exit(1)
		}
		fmt.Printf("  %s (%d records staged)", res.Status, res.Staged)
		if err != nil {
			fmt.Printf(": %v", err)
		}
		fmt.Println()
	}
}
