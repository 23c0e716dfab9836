package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// CapacitySource is a Source that can say the table's billing mode and
// provisioned read capacity (aws.Locks is one). The UI asks once, and
// paces its polls so that they never take the reads Terraform needs.
type CapacitySource interface {
	Capacity(ctx context.Context) (model.TableCapacity, error)
}

// capacityMsg is the table's capacity, read once per context.
type capacityMsg struct {
	switches int
	capacity model.TableCapacity
	err      error
}

// describe reads the table's capacity in a command; nil when the source
// cannot tell or there is no table.
func (m Model) describe() tea.Cmd {
	cs, ok := m.src.(CapacitySource)
	if !ok || m.cfg.Table == "" {
		return nil
	}
	switches := m.switches
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := cs.Capacity(ctx)
		return capacityMsg{switches: switches, capacity: c, err: err}
	}
}

// onCapacity keeps the capacity and, when a poll is already waiting,
// re-arms it with the paced wait: the first read may have finished before
// the description came.
func (m Model) onCapacity(msg capacityMsg) (tea.Model, tea.Cmd) {
	if msg.switches != m.switches {
		return m, nil
	}
	if msg.err != nil {
		what := "failed"
		if lwaws.IsAccessDenied(msg.err) {
			what = "not allowed"
		}
		m.budgetNote = fmt.Sprintf("read budget unknown (DescribeTable %s): every %s", what, model.FormatThreshold(m.cfg.pollEvery()))
		m.cfg.Logf("describe table: %v; polling every %s", msg.err, m.cfg.pollEvery())
		return m, nil
	}
	m.capacity = msg.capacity
	if m.polling || !m.loaded || m.failures > 0 {
		return m, nil
	}
	pace := m.pace()
	wait := max(0, m.polledAt.Add(pace.Wait).Sub(m.cfg.Now()))
	m.gen++ // the timer armed without the capacity is dropped
	return m, m.schedule(m.cfg.Now(), wait, pace.Reason)
}

// pace is the wait after a poll that read m.rcu, within the read budget.
func (m Model) pace() model.PollPace {
	return model.PacePolls(m.cfg.pollEvery(), m.rcu, m.capacity, m.cfg.ReadBudget, m.throttles)
}

// pageRate is the rate a scan keeps to between its pages: the budget's,
// slowed by throttling, once the first read (which may use burst) is done.
func (m Model) pageRate() float64 {
	if !m.loaded {
		return 0
	}
	return model.ReadRate(m.capacity, m.cfg.ReadBudget) / float64(int(1)<<min(m.throttles, 6))
}

// schedule arms the next poll after wait and remembers when it comes and
// why it is later than the poll interval, for the header.
func (m *Model) schedule(at time.Time, wait time.Duration, reason string) tea.Cmd {
	m.nextPoll, m.paceReason = at.Add(wait), reason
	return pollAfter(wait, m.gen)
}

// budgetLine is the header's note on the pacing: when the next read
// comes and why it is slower than asked, or that the budget is unknown;
// short for a narrow terminal.
func (m Model) budgetLine(short bool) string {
	switch {
	case m.budgetNote != "" && short:
		return "read budget unknown"
	case m.budgetNote != "":
		return m.budgetNote
	case m.paceReason == "" || m.polling || m.failures > 0:
		return ""
	}
	next := "next read in " + model.FormatDuration(max(0, m.nextPoll.Sub(m.now)))
	if short {
		return next + " (budget)"
	}
	return next + " · " + m.paceReason
}
