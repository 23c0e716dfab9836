package ui

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// Prober reads a state's object and digest: the evidence behind a stale
// verdict, and a digest's health.
type Prober interface {
	Probe(ctx context.Context, path string) model.DigestReport
}

// probeMsg carries a probe's result back to Update.
type probeMsg struct {
	key    rowKey // the context and state path probed
	report model.DigestReport
}

// probe reads the state behind an entry in a command, with its context's
// credentials.
func (m Model) probe(e *model.Entry) tea.Cmd {
	p := m.cfgOf(e).Prober
	if p == nil || e.LockID == "" {
		return nil
	}
	k := pathKey(e)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return probeMsg{key: k, report: p.Probe(ctx, k.id)}
	}
}

// stateFields adds what the state object says to the detail view.
func (m Model) stateFields(e *model.Entry, field func(string, ...string)) {
	cfg := m.cfgOf(e)
	if cfg.Prober == nil {
		return
	}
	r, ok := m.probes[pathKey(e)]
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
		field("State", fmt.Sprintf("serial %s · lineage %s · %d bytes · written %s (%s)", serial, sanitize.Text(sanitize.OrDash(r.State.Lineage)),
			r.State.Size, r.State.LastModified.UTC().Format("2006-01-02 15:04:05 UTC"), model.Ago(m.now, r.State.LastModified)))
	}
	if cfg.Table == "" {
		return // no lock table, so no digest to speak of
	}
	if !hasDigestItem(r) {
		// No verdict: a state whose first apply was killed, or one locked
		// with S3 lock files only, has no digest item, and needs none.
		field("Digest", "no digest item (Terraform writes one with each state write when it locks in the table); nothing to check")
		return
	}
	digest := string(r.Status)
	if r.Status == model.DigestMismatch {
		digest += fmt.Sprintf(": stored %s, state object %s — Terraform will refuse this state", sanitize.Text(r.Stored), r.State.MD5)
	}
	field("Digest", digest)
}

// hasDigestItem reports whether the probed state has a digest item. Only
// then is there a digest to judge: "digest without state object" or
// "state without digest" said of a state without one would send a person
// to repair what is not broken.
func hasDigestItem(r model.DigestReport) bool {
	return r.Item != nil || r.Stored != ""
}

// evidence says what the state's last write tells about the holder.
func (m Model) evidence(e *model.Entry) string {
	r, ok := m.probes[pathKey(e)]
	if !ok || r.Err != nil || !r.State.Exists || e.Info.Created.IsZero() {
		return ""
	}
	return model.StateEvidence(e.Info.Created, r.State.LastModified, m.now, m.cfgOf(e).StaleAfter)
}

// healthMsg carries a whole digest check back to Update.
type healthMsg struct {
	keys    []rowKey // the context and state path of each report
	reports []model.DigestReport
}

// checkDigests probes every digest loaded, eight at a time, in a
// command, each with its context's prober.
func (m Model) checkDigests() tea.Cmd {
	var keys []rowKey
	var probers []Prober
	m.each(func(e *model.Entry) {
		if p := m.cfgOf(e).Prober; p != nil && (e.Kind == model.KindDigest || model.IsDigestKey(e.LockID)) {
			keys, probers = append(keys, pathKey(e)), append(probers, p)
		}
	})
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out := make([]model.DigestReport, len(keys))
		// A probe reports its failure in its report: none returns an
		// error, so the group only bounds and waits.
		var g errgroup.Group
		g.SetLimit(model.DigestChecks)
		for i, k := range keys {
			g.Go(func() error {
				out[i] = probers[i].Probe(ctx, k.id)
				return nil
			})
		}
		_ = g.Wait()
		return healthMsg{keys: keys, reports: out}
	}
}

func (m Model) onHealth(msg healthMsg) (tea.Model, tea.Cmd) {
	// A copy, as with does: the Model's maps are never changed in place.
	probes := make(map[rowKey]model.DigestReport, len(m.probes)+len(msg.reports))
	maps.Copy(probes, m.probes)
	failed := 0
	for i, r := range msg.reports {
		probes[msg.keys[i]] = r
		if r.Err != nil {
			failed++
		}
	}
	m.probes = probes
	// The counts are the marks: counted from the rows as drawn, so the
	// message says exactly what the screen shows.
	marked, malformed := 0, 0
	m.each(func(e *model.Entry) {
		switch {
		case e.Kind == model.KindDigest:
			if _, bad := m.digestHealth(e); bad {
				marked++
			}
		case e.Kind == model.KindMalformed && model.IsDigestKey(e.LockID):
			malformed++
		}
	})
	text := fmt.Sprintf("checked %d digest%s: ", len(msg.reports), model.Plural(len(msg.reports), "", "s"))
	var parts []string
	if marked > 0 {
		parts = append(parts, fmt.Sprintf("%d need%s attention (marked ✗; enter shows why, R repairs)", marked, model.Plural(marked, "s", "")))
	}
	if malformed > 0 {
		parts = append(parts, fmt.Sprintf("%d malformed digest item%s (marked ?)", malformed, model.Plural(malformed, "", "s")))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d could not be read", failed))
	}
	kind := statusWarning
	if len(parts) == 0 {
		kind, parts = statusInfo, append(parts, "all match their state objects")
	}
	m.setStatus(kind, m.cfg.Now(), text+strings.Join(parts, ", "))
	return m, nil
}

// digestHealth is a digest row's health word, once checked, and whether
// the row is marked ✗. A report that found no digest item (deleted since
// the scan) gives no verdict.
func (m *Model) digestHealth(e *model.Entry) (string, bool) {
	r, ok := m.probes[pathKey(e)]
	if !ok {
		return "", false
	}
	if r.Err != nil {
		return "not read", false
	}
	if !hasDigestItem(r) {
		return "", false
	}
	return string(r.Status), r.Status != model.DigestOK
}
