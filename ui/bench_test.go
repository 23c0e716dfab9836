package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// manyLocks builds n locks with distinct paths and ages.
func manyLocks(n int) []model.Entry {
	out := make([]model.Entry, n)
	for i := range out {
		path := fmt.Sprintf("org-tfstate/env:/ws%03d/team%02d/service-%05d/terraform.tfstate", i%50+1, i%20+1, i+1)
		out[i] = lockEntry(path, fmt.Sprintf("%08x-1c3c-81fa-2756-dd3e0470aaaa", i), "OperationTypeApply", fmt.Sprintf("ci@runner-%d", i%40), "1.12.6", t0.Add(-time.Duration(i)*time.Second))
	}
	return out
}

func benchView(b *testing.B, n int) {
	m := newModel(160, 40, manyLocks(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}

// View must cost the same whatever the table's size: only visible rows
// are rendered. Target: 100,000 within 2× of 100.
func BenchmarkView100(b *testing.B)  { benchView(b, 100) }
func BenchmarkView10k(b *testing.B)  { benchView(b, 10_000) }
func BenchmarkView100k(b *testing.B) { benchView(b, 100_000) }

// BenchmarkApplySnapshot100k is the cost of installing a new 100,000-item
// snapshot: diff against the previous one (a tenth of the locks changed
// hands), counts, filter and sort. Target ≤ 50 ms.
func BenchmarkApplySnapshot100k(b *testing.B) {
	a := manyLocks(100_000)
	c := manyLocks(100_000)
	for i := 0; i < len(c); i += 10 {
		c[i] = lockEntry(c[i].LockID, fmt.Sprintf("%08x-0000-0000-0000-000000000000", i), "OperationTypePlan", "other@host", "1.12.6", t0)
	}
	snaps := []snapshotMsg{{snap: snapshotOf(a)}, {snap: snapshotOf(c)}}
	m := newModel(160, 40, a)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := snaps[(i+1)%2]
		msg.gen = m.one().gen
		var mm tea.Model
		mm, _ = m.Update(msg)
		m = mm.(Model)
	}
}

// BenchmarkFilterKeystroke100k is one keystroke in the live filter with
// 100,000 locks: the rows are filtered again on every key.
func BenchmarkFilterKeystroke100k(b *testing.B) {
	m := press(newModel(160, 40, manyLocks(100_000)), "/", "s", "e", "r", "v")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mm := send(m, keyMsg("i"))
		_ = send(mm, keyMsg("backspace"))
	}
}

// BenchmarkFilterTwoWords100k is the drill's query, pasted with spaces
// around it: every word is looked for in every field of 100,000 locks, and
// none of them is on a prod state.
func BenchmarkFilterTwoWords100k(b *testing.B) {
	m := typeText(press(newModel(160, 40, manyLocks(100_000)), "/"), "  prod appl")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mm := send(m, keyMsg("y"))
		_ = send(mm, keyMsg("backspace"))
	}
}

// benchFleetView measures View over contexts sharing rows between them:
// the same rows whether one context holds them or ten.
func benchFleetView(b *testing.B, n, rows int) {
	contexts := make([]Member, n)
	for i := range contexts {
		contexts[i] = Member{Config: Config{Settings: config.Settings{Context: fmt.Sprintf("context-%02d", i), Table: "locks", StaleAfter: time.Hour}}, Source: &fakeSource{}}
	}
	m := NewFleet(Config{Now: func() time.Time { return t0 }, Location: time.UTC}, contexts)
	m = send(m, tea.WindowSizeMsg{Width: 160, Height: 40})
	all := manyLocks(rows)
	per := rows / n
	for i := range n {
		m = polled(m, i, all[i*per:(i+1)*per], nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}

// View must cost the same whatever the number of contexts: 100,000 rows
// of ten contexts within 1.5× of 100,000 rows of one.
func BenchmarkViewFleet1(b *testing.B)  { benchFleetView(b, 1, 100_000) }
func BenchmarkViewFleet10(b *testing.B) { benchFleetView(b, 10, 100_000) }
