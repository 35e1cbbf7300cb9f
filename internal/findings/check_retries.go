package findings

import "github.com/resultgen/resultgen/review/report"

// checkRetries finds, at a flow's call of a task, a task with
// persist=false that returns a value, called from a flow with retries
// (check retries-no-persist, a warning): each retry of the flow recomputes
// the task, where a persisted result would be reused.
func (e *engine) checkRetries(c call) {
	t, fl := c.callee, c.flow
	if t.d.Persist != nil && !t.d.Persist.Value && fl.d.Retries != nil && fl.d.Retries.Value > 0 && t.result != nil {
		e.report(fl.u, c.pos, report.Warning, report.CheckRetriesNoStore, t,
			"remove persist=false from "+t.d.Func+" so a retry of "+fl.d.Func+" reuses its result, or accept that it recomputes",
			"%s: persist=false, but flow %s has retries=%d: each retry of the flow recomputes the task", t.label(), fl.d.Func, fl.d.Retries.Value)
	}
}
