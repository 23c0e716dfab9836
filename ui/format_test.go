package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
)

func TestElidePathKeepsTheDistinguishingEnd(t *testing.T) {
	p := "tfstate/env:/prod/network/terraform.tfstate"
	cases := map[int]string{
		60: p,
		40: "…/env:/prod/network/terraform.tfstate",
		32: "…/prod/network/terraform.tfstate",
		28: "…/network/terraform.tfstate",
		20: "…/terraform.tfstate",
		12: "…orm.tfstate",
	}
	for w, want := range cases {
		got := elidePath(p, w)
		if got != want {
			t.Errorf("elidePath(%d) = %q, want %q", w, got, want)
		}
		if lipgloss.Width(got) > w {
			t.Errorf("elidePath(%d) is %d wide", w, lipgloss.Width(got))
		}
	}
}

func TestWrapBreaksAtSpacesOnly(t *testing.T) {
	got := wrap("check --table and --region now", 14)
	if strings.Join(got, "|") != "check --table|and --region|now" {
		t.Errorf("%q", got)
	}
	got = wrap("abcdefghij", 4)
	if strings.Join(got, "|") != "abcd|efgh|ij" {
		t.Errorf("%q", got)
	}
}

// transitStates are three states that differ only in the middle of a long
// path: at 80 columns, cutting each path on its own showed all three as
// "org-tfstate/…/terraform.tfstate".
func transitStates() []model.Entry {
	var out []model.Entry
	for n := 1; n <= 3; n++ {
		path := fmt.Sprintf("org-tfstate/env:/production-eu-west-%d/platform-team/networking/transit-gateway-attachments-%d/terraform.tfstate", n, n)
		out = append(out, lockEntry(path, fmt.Sprintf("%08d-1111-2222-3333-444444444444", n), "OperationTypeApply", "ci@runner-1", "1.12.6", t0.Add(-time.Duration(n)*time.Minute)))
	}
	return out
}

// stateCells is the STATE column of each table row on the screen.
func stateCells(t *testing.T, m Model) (header string, rows []string) {
	t.Helper()
	c := layoutFor(m.width, m.cfg.lockFiles(), 0)
	lines := strings.Split(plain(m), "\n")
	header = strings.TrimSpace(ansi.Cut(lines[m.headerLines()], markerWidth, markerWidth+c[model.ColState]))
	for _, l := range lines[m.headerLines()+1 : m.headerLines()+1+len(m.rows)] {
		rows = append(rows, strings.TrimSpace(ansi.Cut(l, markerWidth, markerWidth+c[model.ColState])))
	}
	return header, rows
}

func TestRowsStayApartAt80Columns(t *testing.T) {
	m := newModel(80, 24, transitStates())
	header, rows := stateCells(t, m)
	if header != "org-tfstate/…/terraform.tfstate" {
		t.Errorf("header %q must name the bucket and the file name the rows leave out", header)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r] {
			t.Errorf("two rows show %q:\n%s", r, plain(m))
		}
		seen[r] = true
	}
	for n := 1; n <= 3; n++ {
		if want := fmt.Sprintf("transit-gateway-attachments-%d", n); !strings.Contains(plain(m), want) {
			t.Errorf("no row shows %q:\n%s", want, plain(m))
		}
	}
}

func TestSharedBucketAndFileNameGoToTheHeader(t *testing.T) {
	paths := []string{
		"tfstate/env:/prod/network/terraform.tfstate",
		"tfstate/env:/prod/eks-cluster/terraform.tfstate",
		"tfstate/billing/terraform.tfstate",
	}
	cells, label := statePaths(paths, 32, "")
	if want := []string{"env:/prod/network", "env:/prod/eks-cluster", "billing"}; !slices.Equal(cells, want) {
		t.Errorf("cells %q, want %q", cells, want)
	}
	if label != "tfstate/…/terraform.tfstate" {
		t.Errorf("label %q", label)
	}
	// With room, the column keeps its title and the sort arrow.
	_, label = statePaths(paths, 40, "▲")
	if label != "STATE ▲ (tfstate/…/terraform.tfstate)" {
		t.Errorf("label %q", label)
	}
	// Narrower still: the arrow goes before the bucket does.
	if _, label = statePaths(paths, 28, "▲"); label != "tfstate/…/terraform.tfstate" {
		t.Errorf("label %q", label)
	}
	// Common leading segments go too, when the header can name them.
	cells, label = statePaths([]string{"b/env:/prod/network/x.tfstate", "b/env:/prod/dns/x.tfstate", "b/env:/prod/eks-cluster-long-name/x.tfstate"}, 32, "")
	if label != "STATE (b/env:/prod/…/x.tfstate)" || !slices.Equal(cells, []string{"network", "dns", "eks-cluster-long-name"}) {
		t.Errorf("label %q, cells %q", label, cells)
	}
	// A digest's key as stored shares the file name, -md5 added.
	cells, label = statePaths(append(slices.Clip(paths), "tfstate/migrated/terraform.tfstate-md5"), 30, "")
	if label != "tfstate/…/terraform.tfstate" || cells[3] != "migrated/…-md5" {
		t.Errorf("label %q, cells %q", label, cells)
	}
	// Paths that fit are shown whole.
	cells, label = statePaths(paths, 60, "")
	if label != "STATE" || !slices.Equal(cells, paths) {
		t.Errorf("label %q, cells %q", label, cells)
	}
}

func TestASingleRowShowsItsState(t *testing.T) {
	m := newModel(80, 24, transitStates()[:1])
	header, rows := stateCells(t, m)
	if header != "org-tfstate/…/terraform.tfstate" || len(rows) != 1 || rows[0] != "…/transit-gateway-attachments-1" {
		t.Errorf("header %q, rows %q", header, rows)
	}
	m = newModel(80, 24, seed()[4:5])
	header, rows = stateCells(t, m)
	if header != "STATE" || len(rows) != 1 || rows[0] != "tfstate/iam/terraform.tfstate" {
		t.Errorf("a path that fits is shown whole: header %q, rows %q", header, rows)
	}
}

func TestALongDifferenceIsCutOnTheSharedSide(t *testing.T) {
	// The rows differ at the start of their own part: cutting leading
	// segments would show both as "…/networking/transit".
	cells, _ := statePaths([]string{"b/prod-1/networking/transit/s.tfstate", "b/prod-2/networking/transit/s.tfstate"}, 21, "")
	if want := []string{"…1/networking/transit", "…2/networking/transit"}; !slices.Equal(cells, want) {
		t.Errorf("cells %q, want %q", cells, want)
	}
	// Too long for that: the shared end goes.
	base := "production-eu-west-%d/platform-team/networking/transit-gateway-attachments"
	cells, _ = statePaths([]string{"b/" + fmt.Sprintf(base, 1) + "/s.tfstate", "b/" + fmt.Sprintf(base, 2) + "/s.tfstate"}, 32, "")
	if want := []string{"production-eu-west-1/…", "production-eu-west-2/…"}; !slices.Equal(cells, want) {
		t.Errorf("cells %q, want %q", cells, want)
	}
	// The part that differs is wider than the column: it starts where the
	// rows part.
	cells, _ = statePaths([]string{"b/x-" + strings.Repeat("a", 30) + "1/n/s.tfstate", "b/x-" + strings.Repeat("b", 30) + "1/n/s.tfstate"}, 12, "")
	if want := []string{"…aaaaaaaaaa…", "…bbbbbbbbbb…"}; !slices.Equal(cells, want) {
		t.Errorf("cells %q, want %q", cells, want)
	}
	for _, c := range cells {
		if lipgloss.Width(c) > 12 {
			t.Errorf("%q is wider than 12", c)
		}
	}
}

func TestDetailShowsTheWholePath(t *testing.T) {
	m := press(newModel(80, 24, transitStates()), "enter")
	out := strings.Join(strings.Fields(plain(m)), "")
	if want := m.rows[0].LockID; !strings.Contains(out, want) {
		t.Errorf("detail lacks %q:\n%s", want, plain(m))
	}
}
