package quiz

import "context"

// Hand-written stand-ins for the generated wrappers (result_gen.go), so that
// the flows' calls type-check and review resolves them with go/types.

type SayTask struct{}

func (t SayTask) WithOptions(...any) SayTask                  { return t }
func (SayTask) Call(context.Context) (string, error)          { return Say(), nil }
func (SayTask) Submit(context.Context) func() (string, error) { return nil }

type SayUnpersistedTask struct{}

func (t SayUnpersistedTask) WithOptions(...any) SayUnpersistedTask { return t }
func (SayUnpersistedTask) Call(context.Context) (string, error)    { return SayUnpersisted(), nil }
