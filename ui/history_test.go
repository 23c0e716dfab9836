package ui

import (
	"strings"
	"testing"
)

// The history (h): releases, restores and who made them.

// h lists releases seen by polls ("seen gone"), our own releases with
// their record, and restores.
func TestHistoryListsRestoresAndWhoReleased(t *testing.T) {
	rel := &fakeReleaser{}
	m := releaseNetwork(t, newModel(160, 40, seed(), writable(rel)))
	m = runCmd(sendCmd(press(m, "u", "tab"), keyMsg("enter")))
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[2:])}) // eks released by its holder; network back
	if len(m.history) != 3 {
		t.Fatalf("history has %d events, want 3 (release, restore, release seen)", len(m.history))
	}
	out := flat(plain(press(m, "h")))
	for _, want := range []string{
		"03:14:07 released tfstate/env:/prod/eks-cluster/terraform.tfstate — apply by alice@laptop, held 5h12m · seen gone",
		"03:14:07 restored " + networkPath + " — apply by ci@runner-7 again · by you, audit r-20261126-031408-123456 (undoes r-20261126-031407-abcdef)",
		"03:14:07 released " + networkPath + " — apply by ci@runner-7, held 3d 4h · by you, audit r-20261126-031407-abcdef",
		"2 writes by you this session",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	// Our own release is not announced a second time as "seen gone".
	if strings.Count(out, "released "+networkPath) != 1 {
		t.Errorf("our release is listed twice:\n%s", out)
	}
}

// Our own write says as whom the audit log recorded it: what the team
// reads, not just "you".
func TestHistoryNamesWhoWeWroteAs(t *testing.T) {
	m := releaseNetwork(t, newModel(160, 40, seed(), writable(&fakeReleaser{actor: "alice (OnCall)"})))
	if out := flat(plain(press(m, "h"))); !strings.Contains(out, "· by you as alice (OnCall), audit r-20261126-031407-abcdef") {
		t.Errorf("history:\n%s", out)
	}
}
