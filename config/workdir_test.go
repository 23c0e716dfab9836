package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// inDir runs the rest of the test in dir (copied from testdata when it is
// a fixture, so that files can be added around it).
func inDir(t *testing.T, fixture string) string {
	t.Helper()
	dir := t.TempDir()
	if fixture != "" {
		if err := os.CopyFS(dir, os.DirFS(filepath.Join(testdataDir(t), fixture))); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

// Captured from Terraform 1.11.4 after init (use_lockfile and a table,
// workspace_key_prefix envs, workspace blue) and from 1.5.7 (legacy
// endpoint attributes): the working directory is a context.
func TestAWorkingDirectoryIsAContext(t *testing.T) {
	flags := flagsWith(t, "", nil)
	dir := inDir(t, "workdir-1.11.4")
	s, err := Load(flags)
	if err != nil {
		t.Fatal(err)
	}
	w := s.Workdir
	if w == nil || w.Dir != dir || w.State() != "tfstate/envs/blue/team/app/terraform.tfstate" || w.Describe() != "this directory: team/app/terraform.tfstate · workspace blue" {
		t.Fatalf("workdir %+v", w)
	}
	c := s.Connection()
	if s.Table != "terraform-locks" || s.Region != "us-east-1" || s.Endpoint != "http://127.0.0.1:18000" || s.S3Endpoint != "http://127.0.0.1:19000" ||
		strings.Join(s.Buckets, ",") != "tfstate" || s.WorkspaceKeyPrefix != "envs" || c.AccessKey != "sandbox" || c.SecretKey != "sandbox" {
		t.Errorf("settings %+v, connection %+v", s, c)
	}
	if strings.Contains(s.CopyArgs(), "sandbox") {
		t.Errorf("the backend's credentials reach a printed command: %q", s.CopyArgs())
	}
	// TF_WORKSPACE wins over .terraform/environment.
	t.Setenv("TF_WORKSPACE", "default")
	if s, _ := Load(flags); s.Workdir.State() != "tfstate/team/app/terraform.tfstate" {
		t.Errorf("TF_WORKSPACE=default: %s", s.Workdir.State())
	}

	flags = flagsWith(t, "", nil)
	inDir(t, "workdir-1.5.7")
	s, err = Load(flags)
	if err != nil || s.Workdir == nil || s.Workdir.State() != "tfstate/my-service/terraform.tfstate" || s.Endpoint != "http://127.0.0.1:18000" ||
		s.S3Endpoint != "http://127.0.0.1:19000" || len(s.Buckets) != 0 || s.WorkspaceKeyPrefix != "env:" {
		t.Errorf("1.5.7: %+v %v", s, err)
	}
}

// A flag that says where, a named context and --no-workdir each put the
// directory aside, wholly; TF_DATA_DIR is honoured.
func TestWorkingDirectoryPrecedence(t *testing.T) {
	const cfg = "contexts:\n  prod:\n    table: prod-locks\n    region: eu-west-1\n"
	flags := flagsWith(t, cfg, nil, "--table", "other", "--region", "eu-central-1")
	inDir(t, "workdir-1.11.4")
	if s, err := Load(flags); err != nil || s.Workdir != nil || s.Table != "other" || s.Region != "eu-central-1" || s.Endpoint != "" {
		t.Errorf("flags: %+v %v", s, err)
	}
	flags = flagsWith(t, cfg, nil, "--context", "prod")
	inDir(t, "workdir-1.11.4")
	if s, err := Load(flags); err != nil || s.Workdir != nil || s.Table != "prod-locks" {
		t.Errorf("--context: %+v %v", s, err)
	}
	flags = flagsWith(t, cfg, nil, "--no-workdir")
	inDir(t, "workdir-1.11.4")
	if s, err := Load(flags); err != nil || s.Workdir != nil || s.Table != "" {
		t.Errorf("--no-workdir: %+v %v", s, err)
	}
	flags = flagsWith(t, "", nil)
	dir := inDir(t, "")
	if err := os.CopyFS(filepath.Join(dir, "tfdata"), os.DirFS(filepath.Join(testdataDir(t), "workdir-1.11.4", ".terraform"))); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_DATA_DIR", "tfdata")
	if s, err := Load(flags); err != nil || s.Workdir == nil || s.Workdir.DataDir != filepath.Join(dir, "tfdata") {
		t.Errorf("TF_DATA_DIR: %+v %v", s.Workdir, err)
	}
}

// testdataDir is this package's testdata, whatever the working directory.
func testdataDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// A directory lockwarden cannot use says why in one line, and nothing
// else is read: another backend, never initialised, a file it cannot
// read, a backend that locks nothing.
func TestWorkingDirectoriesThatCannotBeUsed(t *testing.T) {
	for _, c := range []struct{ name, tfstate, want string }{
		{"local", `{"version":3,"backend":null}`, "uses no remote backend"},
		{"gcs", `{"version":3,"backend":{"type":"gcs","config":{"bucket":"b"}}}`, "uses the gcs backend: lockwarden watches the s3 backend's locks only"},
		{"corrupt", `{"version":3,"backend":{"type":"s3"`, "cannot be read"},
		{"no lock", `{"version":3,"backend":{"type":"s3","config":{"bucket":"b","key":"k"}}}`, "locks nothing (no dynamodb_table, no use_lockfile)"},
		{"uninitialised", "", "was never initialised"},
	} {
		flags := flagsWith(t, "", nil)
		dir := inDir(t, "")
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("terraform {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if c.tfstate != "" {
			if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, ".terraform", "terraform.tfstate"), []byte(c.tfstate), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Load(flags)
		var ue *UsageError
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || !asUsageError(err, &ue) {
			t.Errorf("%s: %v, want a one-line usage error saying %q", c.name, err, c.want)
		}
	}
	// A directory that is no Terraform directory at all: no workdir, no error.
	flags := flagsWith(t, "", nil)
	inDir(t, "")
	if s, err := Load(flags); err != nil || s.Workdir != nil {
		t.Errorf("an empty directory: %+v %v", s.Workdir, err)
	}
}

func asUsageError(err error, ue **UsageError) bool {
	u, ok := err.(*UsageError)
	*ue = u
	return ok
}

// Terragrunt: from the directory that holds terragrunt.hcl, the one
// initialised directory in its .terragrunt-cache is read; with two, which
// one is meant cannot be told, and it says so.
func TestTerragruntCacheDirectory(t *testing.T) {
	flags := flagsWith(t, "", nil)
	dir := inDir(t, "")
	if err := os.WriteFile(filepath.Join(dir, "terragrunt.hcl"), []byte("terraform { source = \"../modules/app\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(flags); err == nil || !strings.Contains(err.Error(), "no initialised Terraform directory in .terragrunt-cache: run terragrunt init") {
		t.Errorf("no cache: %v", err)
	}
	cache := filepath.Join(dir, ".terragrunt-cache", "Xk3d9", "a8Jq2", "modules", "app")
	if err := os.CopyFS(cache, os.DirFS(filepath.Join(testdataDir(t), "workdir-1.11.4"))); err != nil {
		t.Fatal(err)
	}
	s, err := Load(flags)
	if err != nil || s.Workdir == nil || s.Workdir.Dir != cache || s.Workdir.State() != "tfstate/envs/blue/team/app/terraform.tfstate" {
		t.Fatalf("one cache: %+v %v", s.Workdir, err)
	}
	other := filepath.Join(dir, ".terragrunt-cache", "Zz0", "Yy1", "modules", "app")
	if err := os.CopyFS(other, os.DirFS(filepath.Join(testdataDir(t), "workdir-1.11.4"))); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(flags); err == nil || !strings.Contains(err.Error(), "has 2 initialised directories in .terragrunt-cache") {
		t.Errorf("two caches: %v", err)
	}
}

// The file's global place settings never mix into a working directory's:
// a lock-file-only backend gets no table, a table-only one no bucket, a
// backend without a profile not the file's.
func TestAWorkingDirectoryIsNotMixedWithTheFile(t *testing.T) {
	flags := flagsWith(t, "table: global-table\nprofile: other-account\nendpoint: http://localhost:8000\nbuckets: [global-bucket]\nstale_after: 2h\n", nil)
	inDir(t, "workdir-1.5.7") // table only, no profile
	s, err := Load(flags)
	if err != nil || s.Workdir == nil || s.Table != "terraform-locks" || s.Profile != "" || s.Endpoint != "http://127.0.0.1:18000" || len(s.Buckets) != 0 || s.StaleAfter.String() != "2h0m0s" {
		t.Errorf("%+v %v", s, err)
	}
}

// The file's default context wins over the directory, and says so.
func TestADefaultContextSaysItWonOverTheDirectory(t *testing.T) {
	flags := flagsWith(t, "context: prod\ncontexts:\n  prod: {table: prod-locks}\n", nil)
	inDir(t, "workdir-1.11.4")
	s, err := Load(flags)
	if err != nil || s.Workdir != nil || s.Context != "prod" || !strings.Contains(s.WorkdirNote, "the config's default context prod is in use") {
		t.Errorf("%+v %v", s, err)
	}
}
