// Package hooks has tasks with on_commit and on_rollback hooks of every
// accepted shape.
package hooks

import (
	"context"
	"fmt"
)

// Invoice is a task's result.
type Invoice struct {
	ID    string
	Cents int
}

// Charge bills a customer: the charge is refunded when its transaction
// rolls back, and a receipt mailed when it commits.
//
//result:task storage_key="charges/{parameters[customer]}-{parameters[cents]}.json"
//result:on_commit=mailReceipt on_rollback=refund
func Charge(ctx context.Context, customer string, cents int) (Invoice, error) {
	return Invoice{ID: "inv-" + customer, Cents: cents}, nil
}

func mailReceipt(inv Invoice) { fmt.Println("receipt", inv.ID) }

func refund(ctx context.Context, inv Invoice) error { return nil }

// Reserve returns nothing: its hooks take no value.
//
//result:task on_rollback=release on_commit=confirm
func Reserve(seat string) error { return nil }

func release(ctx context.Context) error { return nil }

func confirm() {}
