package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotMapped is the error of a task run whose storage key uses
// {task_run.map_index} but which was not started by Map: a plain Call,
// State or Submit has no index. errors.Is finds it in the run's error.
var ErrNotMapped = errors.New("the storage key uses {task_run.map_index}, but the run was not started by Map: call the task's Map method (a one-element slice is fine), or remove {task_run.map_index} from the key")

// ErrNoFlowParameter is the error of a task run whose storage key uses
// {flow_run.parameters[NAME]} when the calling flow has no parameter NAME
// that a key can hold. resultgen refuses this at generate time for every
// flow it sees calling the task; the run finds it for calls it could not
// see (a task called through a func value, or from another module's flow).
var ErrNoFlowParameter = errors.New("the calling flow has no such parameter")

// MapIndex returns the run's index in its Map call ({task_run.map_index}),
// or ErrNotMapped when the run was not started by Map.
func (k KeyContext) MapIndex() (int, error) {
	if k.TaskRun.MapIndex < 0 {
		return 0, ErrNotMapped
	}
	return k.TaskRun.MapIndex, nil
}

// FlowParameter returns the calling flow run's parameter name as key text
// ({flow_run.parameters[NAME]}), not yet escaped (see KeyValue). Outside a
// flow, or when the flow has no such parameter, it returns an error naming
// the flow and the fix (errors.Is: ErrNoFlowParameter).
func (k KeyContext) FlowParameter(name string) (string, error) {
	f := k.flow
	if f == nil {
		return "", fmt.Errorf("{flow_run.parameters[%s]} needs a flow run, but the task runs outside a flow", name)
	}
	if f.params != nil {
		s, ok, err := f.params(name)
		if err != nil {
			return "", fmt.Errorf("flow %s: parameter %s: %w", f.flowName, name, err)
		}
		if ok {
			return s, nil
		}
	}
	have := "it has none that a key can hold"
	if len(f.paramNames) > 0 {
		have = "its parameters: " + strings.Join(f.paramNames, ", ")
	}
	return "", fmt.Errorf("%w: flow %s has no parameter %s that a key can hold (%s); add it to the flow, or remove {flow_run.parameters[%s]} from the key",
		ErrNoFlowParameter, f.flowName, name, have, name)
}
