package ui

import (
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/config"
)

// Run in a Terraform working directory, the header says which state is
// the directory's, and its row comes first, selected, whatever the sort;
// at 80 columns the header keeps the key's end and the workspace.
func TestTheWorkingDirectorysStateIsPinned(t *testing.T) {
	here := func(c *Config) {
		c.Context = ""
		c.Workdir = &config.Workdir{Bucket: "tfstate", Key: "teams/payments/billing/terraform.tfstate", Workspace: "blue"}
	}
	entries := append(seed(), lockEntry("tfstate/env:/blue/teams/payments/billing/terraform.tfstate", "12345678-1111-2222-3333-444444444444", "OperationTypeApply", "eve@ci", "1.11.4", t0.Add(-30e9)))
	m := newModel(160, 30, entries, here)
	if got := selectedPath(m); got != "tfstate/env:/blue/teams/payments/billing/terraform.tfstate" {
		t.Errorf("selected %q, want the directory's state", got)
	}
	if header := strings.Split(plain(m), "\n")[0]; !strings.Contains(header, "this directory: teams/payments/billing/terraform.tfstate · workspace blue") {
		t.Errorf("header: %q", header)
	}
	for _, key := range []string{"s", "s", "r"} { // other orders: still first
		m = press(m, key)
		if got := m.rows[0].LockID; got != "tfstate/env:/blue/teams/payments/billing/terraform.tfstate" {
			t.Errorf("after %q the first row is %q", key, got)
		}
	}
	narrow := newModel(80, 30, entries, here)
	if header := strings.Split(plain(narrow), "\n")[0]; !strings.Contains(header, "payments/billing · workspace blue") || len([]rune(header)) > 80 {
		t.Errorf("80 columns: %q", header)
	}
}
