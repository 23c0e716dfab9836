package config

import (
	"strings"
	"testing"
)

// A context is added under contexts:, the file's comments and other
// settings kept, and the result loads; a name already there, in any case,
// is refused and nothing changes.
func TestAddContextKeepsTheFile(t *testing.T) {
	const file = `# Our contexts. Ask #platform before adding one.
stale_after: 2h # longer than our slowest apply
contexts:
  # the production account
  prod:
    region: eu-west-1
    table: terraform-locks
    readonly: true
`
	nc := NewContext{Region: "us-east-1", Table: "terraform-locks", Endpoint: "http://127.0.0.1:8000", Buckets: []string{"tfstate"}, WorkspaceKeyPrefix: "envs"}
	out, err := AddContext("config.yaml", []byte(file), "tfstate-team-app", nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Our contexts. Ask #platform before adding one.", "# longer than our slowest apply", "# the production account",
		"  tfstate-team-app:\n    region: us-east-1\n    table: terraform-locks\n    endpoint: http://127.0.0.1:8000\n    buckets: [tfstate]\n    workspace_key_prefix: envs\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the file lacks %q:\n%s", want, out)
		}
	}
	fc, contexts, names, err := decodeConfig("config.yaml", out)
	if err != nil || strings.Join(names, ",") != "prod,tfstate-team-app" || fc.StaleAfter != "2h" || contexts["prod"].ReadOnly == nil || !*contexts["prod"].ReadOnly ||
		contexts["tfstate-team-app"].Table != "terraform-locks" {
		t.Errorf("the result: %v %q %+v", err, names, contexts)
	}
	for _, name := range []string{"prod", "PROD", "tfstate-team-app"} {
		if _, err := AddContext("config.yaml", out, name, nc); err == nil || !strings.Contains(err.Error(), "already has a context") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := AddContext("config.yaml", nil, "a,b", nc); err == nil {
		t.Error("a name the config refuses was added")
	}
	if out, err := AddContext("config.yaml", nil, "first", nc); err != nil || !strings.HasPrefix(string(out), "contexts:\n  first:\n") {
		t.Errorf("a new file: %v\n%s", err, out)
	}
}

func TestContextName(t *testing.T) {
	for _, c := range []struct{ bucket, key, want string }{
		{"tfstate", "team/app/terraform.tfstate", "tfstate-team-app"},
		{"org-tfstate", "env:/prod/net.tfstate", "org-tfstate-env-prod-net"},
		{"terraform-locks", "", "terraform-locks"},
	} {
		if got := ContextName(c.bucket, c.key); got != c.want {
			t.Errorf("ContextName(%q, %q) = %q, want %q", c.bucket, c.key, got, c.want)
		}
	}
}
