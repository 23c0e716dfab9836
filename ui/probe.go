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

// Prober reads a state's object and digest: the evidence behind a stale
// verdict, and a digest's health.
type Prober interface {
	Probe(ctx context.Context, path string) lwaws.DigestReport
}

// probeMsg carries a probe's result back to Update.
type probeMsg struct {
	path   string
	report lwaws.DigestReport
}

// probe reads the state behind an entry in a command.
func (m Model) probe(e *model.Entry) tea.Cmd {
	if m.cfg.Prober == nil || e.LockID == "" {
		return nil
	}
	p, path := m.cfg.Prober, e.Path()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return probeMsg{path: path, report: p.Probe(ctx, path)}
	}
}

// stateFields adds what the state object says to the detail view.
func (m Model) stateFields(e *model.Entry, field func(string, ...string)) {
	if m.cfg.Prober == nil {
		return
	}
	r, ok := m.probes[e.Path()]
	switch {
	case !ok:
		field("State", m.styles.Dim.Render("reading the state object…"))
		return
	case r.Err != nil:
		field("State", "not read: "+sanitize.Text(r.Err.Error()))
		return
	case !r.State.Exists:
		field("State", "no state object at s3://"+sanitize.Text(e.Bucket)+"/"+sanitize.Text(e.Key))
	default:
		serial := r.State.SerialText()
		field("State", fmt.Sprintf("serial %s · lineage %s · %d bytes · written %s (%s)", serial, sanitize.Text(orDash(r.State.Lineage)),
			r.State.Size, r.State.LastModified.UTC().Format("2006-01-02 15:04:05 UTC"), ago(m.now, r.State.LastModified)))
	}
	digest := string(r.Status)
	if r.Status == lwaws.DigestMismatch {
		digest += fmt.Sprintf(": stored %s, state object %s — Terraform will refuse this state", sanitize.Text(r.Stored), r.State.MD5)
	}
	field("Digest", digest)
}

// evidence says what the state's last write tells about the holder.
func (m Model) evidence(e *model.Entry) string {
	r, ok := m.probes[e.Path()]
	if !ok || r.Err != nil || !r.State.Exists || e.Info.Created.IsZero() {
		return ""
	}
	return model.StateEvidence(e.Info.Created, r.State.LastModified, m.now, m.cfg.StaleAfter)
}

// healthMsg carries a whole digest check back to Update.
type healthMsg struct {
	reports []lwaws.DigestReport
}

// checkDigests probes every digest loaded, eight at a time, in a command.
func (m Model) checkDigests() tea.Cmd {
	var paths []string
	for i := range m.entries {
		if e := &m.entries[i]; e.Kind == model.KindDigest || model.IsDigestKey(e.LockID) {
			paths = append(paths, e.Path())
		}
	}
	p := m.cfg.Prober
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out := make([]lwaws.DigestReport, len(paths))
		sem := make(chan struct{}, 8)
		done := make(chan struct{})
		for i, path := range paths {
			sem <- struct{}{}
			go func(i int, path string) {
				defer func() { <-sem; done <- struct{}{} }()
				out[i] = p.Probe(ctx, path)
			}(i, path)
		}
		for range paths {
			<-done
		}
		return healthMsg{reports: out}
	}
}

func (m Model) onHealth(msg healthMsg) (tea.Model, tea.Cmd) {
	probes := make(map[string]lwaws.DigestReport, len(m.probes)+len(msg.reports))
	for k, v := range m.probes {
		probes[k] = v
	}
	bad, failed := 0, 0
	for _, r := range msg.reports {
		probes[r.Path] = r
		switch {
		case r.Err != nil:
			failed++
		case r.Status != lwaws.DigestOK:
			bad++
		}
	}
	m.probes = probes
	text := fmt.Sprintf("checked %d digests: ", len(msg.reports))
	switch {
	case bad == 0 && failed == 0:
		text += "all match their state objects"
	default:
		text += fmt.Sprintf("%d need attention (marked !; enter shows why, R repairs)", bad)
		if failed > 0 {
			text += fmt.Sprintf(", %d could not be read", failed)
		}
	}
	m.setStatus(m.cfg.Now(), text)
	return m, nil
}

// digestHealth is a digest row's health word, once checked.
func (m Model) digestHealth(e *model.Entry) (string, bool) {
	r, ok := m.probes[e.Path()]
	if !ok {
		return "", false
	}
	if r.Err != nil {
		return "not read", false
	}
	return string(r.Status), r.Status != lwaws.DigestOK
}
