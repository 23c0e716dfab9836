package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// detailView shows everything known about one entry.
func (m Model) detailView(w int) []string {
	e := m.detail
	if e == nil {
		return nil
	}
	present := m.find(e) != nil
	f := &fields{label: m.styles.Label, w: w}
	f.lines = []string{spread(" "+m.styles.Context.Render(sanitize.Text(e.Path())), m.detailVerdict(e, present)+" ", w), ""}
	field := f.add
	if m.fleet {
		field("Context", m.contextMark(e)+" · "+sanitize.Text(m.contextOf(e).watched()))
	}
	where := fmt.Sprintf("%s · bucket %s · key %s", sanitize.Text(e.Workspace), sanitize.Text(e.Bucket), sanitize.Text(e.Key))
	switch e.Kind {
	case model.KindLock:
		m.lockFields(e, present, where, field)
	case model.KindDigest:
		field("Stored", sanitize.Text(e.Digest))
		field("Workspace", where)
		m.stateFields(e, field)
		field("Meaning", "the MD5 of the state object, written after every state write. It is not a lock: never delete it to clear a lock. If Terraform reports 'state data in S3 does not have the expected content', this value no longer matches the state object.")
	default:
		field("Problem", sanitize.Text(e.Problem))
		if e.LockID != "" {
			field("Workspace", where)
		}
		field("Meaning", "this item is neither a readable lock nor a digest. If its key is a state path, Terraform treats the state as locked, and force-unlock cannot release it because no lock ID can be read.")
	}
	// Raw JSON is cut at the width, not at word breaks: it has no words.
	raw := strings.Split(ansi.Hardwrap(sanitize.Text(e.Item.JSON()), max(10, w-14), false), "\n")
	if e.Item == nil && e.File != nil {
		raw = strings.Split(ansi.Hardwrap(sanitize.Text(e.File.Body), max(10, w-14), false), "\n")
		field("Lock file", raw...)
		return f.lines
	}
	field("Raw item", raw...)
	return f.lines
}

// fields lays out the detail view's labelled fields, each value wrapped
// under its label.
type fields struct {
	label lipgloss.Style
	w     int
	lines []string
}

// add appends a field: its label, then its values wrapped to the width.
func (f *fields) add(label string, values ...string) {
	prefix := " " + f.label.Render(fit(label, 11)) + " "
	var wrapped []string
	for _, v := range values {
		wrapped = append(wrapped, wrap(v, max(10, f.w-14))...)
	}
	for i, l := range wrapped {
		if i > 0 {
			prefix = strings.Repeat(" ", 13)
		}
		f.lines = append(f.lines, prefix+l)
	}
}

// detailVerdict is the detail view's verdict, top right: released, stale,
// clock ahead or held; a digest; malformed.
func (m Model) detailVerdict(e *model.Entry, present bool) string {
	s := m.styles
	switch e.Kind {
	case model.KindLock:
		a := e.AgeAt(m.now)
		switch {
		case !present:
			return s.Live.Render("RELEASED")
		case e.StaleAt(m.now, m.cfgOf(e).StaleAfter):
			return s.Stale.Render("STALE (" + a.String() + ")")
		case a.ClockAhead:
			return s.Warn.Render("CLOCK AHEAD")
		}
		return "HELD " + a.String()
	case model.KindDigest:
		return s.Digest.Render("DIGEST — not a lock")
	}
	return s.Malformed.Render("MALFORMED")
}

// lockFields are a lock's fields. What a person needs first: whose lock,
// the verdict, how to release it. The rest follows, and the view scrolls.
func (m Model) lockFields(e *model.Entry, present bool, where string, field func(string, ...string)) {
	li := e.Info
	field("Lock ID", sanitize.Text(li.ID))
	field("Who", sanitize.Text(sanitize.OrDash(li.Who)))
	field("Operation", fmt.Sprintf("%s (%s)", sanitize.Text(li.Operation), sanitize.Text(model.OperationWord(li.Operation))))
	if li.Created.IsZero() {
		field("Created", "— (the lock carries no time)")
	} else {
		created := li.Created.UTC().Format("2006-01-02 15:04:05 UTC")
		if local := li.Created.In(m.cfg.Location); local.Format("MST -0700") != "UTC +0000" {
			created += "  (" + local.Format("2006-01-02 15:04:05 MST") + " local)"
		}
		field("Created", created)
	}
	verdict := m.verdictText(e, e.AgeAt(m.now))
	if ev := m.evidence(e); ev != "" {
		verdict += "; " + ev
	} else if e.StaleAt(m.now, m.cfgOf(e).StaleAfter) {
		verdict += ". Check that no run is still going before releasing it."
	}
	field("Verdict", verdict)
	if last := m.lastRelease(e); last != "" {
		// Whether someone on the team already acted on this state.
		field("Last unlock", sanitize.Text(last))
	}
	if e.Warning != "" {
		field("Warning", m.styles.Warn.Render(sanitize.Text(e.Warning)))
	}
	if !present {
		field("Released", "this lock is no longer held (seen gone at "+m.goneAt(e).In(m.cfg.Location).Format("15:04:05")+"); nothing to release")
	} else {
		field("Release", m.releaseText(e)...)
	}
	field("Version", sanitize.Text(sanitize.OrDash(li.Version)))
	path := sanitize.Text(li.Path)
	if li.Path != e.LockID {
		// Clients write Path = LockID; anything else was not written
		// by Terraform or OpenTofu.
		path += " " + m.styles.Warn.Render("(differs from LockID)")
	}
	field("Path", path)
	field("Info", sanitize.Text(sanitize.OrDash(li.Info)))
	field("Workspace", where)
	m.sourceFields(e, field)
	m.stateFields(e, field)
}

// sourceFields says where the lock lives and whether the places agree.
func (m Model) sourceFields(e *model.Entry, field func(string, ...string)) {
	if !m.cfgOf(e).lockFiles() && e.File == nil {
		return
	}
	switch e.Source {
	case model.SourceBoth:
		field("Held in", "the lock table and the S3 lock file (same ID)")
	case model.SourceS3:
		field("Held in", "the S3 lock file only")
	default:
		field("Held in", "the lock table only")
	}
	if e.File != nil {
		field("Lock file", fmt.Sprintf("s3://%s/%s · ETag %s · written %s", sanitize.Text(e.File.Bucket), sanitize.Text(e.File.Key), sanitize.Text(e.File.ETag),
			e.File.LastModified.UTC().Format("2006-01-02 15:04:05 UTC")))
	}
}

func (m Model) verdictText(e *model.Entry, a model.Age) string {
	cfg := m.cfgOf(e)
	threshold := model.FormatThreshold(cfg.StaleAfter)
	switch {
	case a.ClockAhead:
		return fmt.Sprintf("the holder's clock is %s ahead of ours, so its age is unknown; not called stale", model.FormatDuration(a.Ahead))
	case a.OutOfRange:
		return "age unknown: the lock's Created time is out of range (before 1678 or after 2262); not called stale"
	case !a.Known:
		return "age unknown: the lock carries no Created time"
	case e.StaleAt(m.now, cfg.StaleAfter):
		return fmt.Sprintf("stale: held %s, at least the %s threshold", a, threshold)
	default:
		return fmt.Sprintf("not stale: held %s, under the %s threshold", a, threshold)
	}
}

func (m Model) releaseText(e *model.Entry) []string {
	id := sanitize.Text(e.Info.ID)
	where := "in the state's root module"
	if e.Workspace != model.DefaultWorkspace {
		where += ", after: terraform workspace select " + sanitize.Text(e.Workspace)
	}
	lines := []string{"terraform force-unlock " + id, "tofu force-unlock " + id, m.styles.Dim.Render("(" + where + ")")}
	if !m.cfgOf(e).readOnly() {
		lines = append(lines, "or ctrl+d here — guarded, audited, undoable")
	}
	return lines
}
