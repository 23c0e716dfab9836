package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
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
