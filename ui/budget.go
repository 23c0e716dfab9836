package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// CapacitySource is a Source that can say the table's billing mode and
// provisioned read capacity (aws.Locks is one). The UI asks once, and
// paces its polls so that they never take the reads Terraform needs.
type CapacitySource interface {
	Capacity(ctx context.Context) (model.TableCapacity, error)
}

// capacityMsg is a table's capacity, read once per context.
type capacityMsg struct {
	member, switches int
	capacity         model.TableCapacity
	err              error
}

// describe reads context i's table capacity in a command; nil when the
// source cannot tell or there is no table.
func (m Model) describe(i int) tea.Cmd {
	mem := &m.contexts[i]
	cs, ok := mem.src.(CapacitySource)
	if !ok || mem.cfg.Table == "" {
		return nil
	}
	switches := m.switches
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := cs.Capacity(ctx)
		return capacityMsg{member: i, switches: switches, capacity: c, err: err}
	}
}

// onCapacity keeps the capacity and, when a poll is already waiting,
// re-arms it with the paced wait: the first read may have finished before
// the description came.
func (m Model) onCapacity(msg capacityMsg) (tea.Model, tea.Cmd) {
	if msg.switches != m.switches {
		return m, nil
	}
	mem := &m.contexts[msg.member]
	if msg.err != nil {
		what := "failed"
		if lwaws.IsAccessDenied(msg.err) {
			what = "not allowed"
		}
		mem.budgetNote = fmt.Sprintf("read budget unknown (DescribeTable %s): every %s", what, model.FormatThreshold(mem.cfg.pollEvery()))
		m.cfg.Logf("describe table of %s: %v; polling every %s", sanitize.OrDash(mem.cfg.Context), msg.err, mem.cfg.pollEvery())
		return m, nil
	}
	mem.capacity = msg.capacity
	if mem.polling || !mem.loaded || mem.failures > 0 {
		return m, nil
	}
	pace := mem.pace()
	wait := max(0, mem.polledAt.Add(pace.Wait).Sub(m.cfg.Now()))
	mem.gen++ // the timer armed without the capacity is dropped
	return m, mem.schedule(msg.member, m.cfg.Now(), wait, pace.Reason)
}

// budgetLine is the header's note on the pacing: when the next read
// comes and why it is slower than asked, or that the budget is unknown;
// short for a narrow terminal.
func (mem *contextState) budgetLine(now time.Time, short bool) string {
	switch {
	case mem.budgetNote != "" && short:
		return "read budget unknown"
	case mem.budgetNote != "":
		return mem.budgetNote
	case mem.paceReason == "" || mem.polling || mem.failures > 0:
		return ""
	}
	next := "next read in " + model.FormatDuration(max(0, mem.nextPoll.Sub(now)))
	if short {
		return next + " (budget)"
	}
	return next + " · " + mem.paceReason
}
