package config

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	lwaws "github.com/lockwarden/lockwarden/aws"
)

// This file reads a Terraform (or OpenTofu) working directory: after
// `terraform init`, .terraform/terraform.tfstate holds the backend's
// configuration and .terraform/environment the workspace. The engineer
// paged for "Error acquiring the state lock" is standing in it.

// Workdir is what a working directory says of its state's lock.
type Workdir struct {
	// Dir is the working directory, DataDir its .terraform (or
	// $TF_DATA_DIR).
	Dir, DataDir string
	// Bucket, Key and WorkspaceKeyPrefix are the s3 backend's; Workspace
	// the one selected (TF_WORKSPACE, else .terraform/environment, else
	// default).
	Bucket, Key, WorkspaceKeyPrefix, Workspace string
	Region, Profile                            string
	// Table is dynamodb_table ("" when the lock is a lock file alone);
	// LockFile is use_lockfile.
	Table    string
	LockFile bool
	// Endpoint and S3Endpoint are the backend's DynamoDB and S3
	// endpoints; PathStyle its use_path_style (or force_path_style).
	Endpoint, S3Endpoint string
	PathStyle            bool
	// AccessKey, SecretKey and Token are credentials written into the
	// backend block; never printed.
	AccessKey, SecretKey, Token string
	// SharedConfigFiles and SharedCredentialsFiles replace the AWS
	// config and credentials files, as the backend says.
	SharedConfigFiles, SharedCredentialsFiles []string
	// AssumeRole is the role the backend assumes (its ARN "" for none),
	// with the backend's STS endpoint.
	AssumeRole lwaws.AssumeRole
}

// State is the state's path as its lock names it: bucket/key, or
// bucket/PREFIX/WORKSPACE/key in a workspace other than default.
func (w Workdir) State() string {
	if w.Workspace == "" || w.Workspace == "default" {
		return w.Bucket + "/" + w.Key
	}
	return w.Bucket + "/" + path.Join(cmp.Or(w.WorkspaceKeyPrefix, "env:"), w.Workspace, w.Key)
}

// Describe says which state this directory's is, for a header: "this
// directory: app/terraform.tfstate · workspace blue".
func (w Workdir) Describe() string {
	s := "this directory: " + w.Key
	if w.Workspace != "" && w.Workspace != "default" {
		s += " · workspace " + w.Workspace
	}
	return s
}

// backendFile is .terraform/terraform.tfstate, as far as it is read.
type backendFile struct {
	Backend *struct {
		Type   string         `json:"type"`
		Config map[string]any `json:"config"`
	} `json:"backend"`
}

// FindWorkdir reads the working directory dir: nil, nil when it is not
// one (no .terraform there, and no .tf file either). A directory with .tf
// files that was never initialised, a backend other than s3, and a
// .terraform/terraform.tfstate that cannot be read are usage errors, one
// line each. getenv reads TF_DATA_DIR and TF_WORKSPACE.
func FindWorkdir(dir string, getenv func(string) string) (*Workdir, error) {
	data := cmp.Or(getenv("TF_DATA_DIR"), ".terraform")
	if !filepath.IsAbs(data) {
		data = filepath.Join(dir, data)
	}
	raw, err := os.ReadFile(filepath.Join(data, "terraform.tfstate"))
	switch {
	case errors.Is(err, fs.ErrNotExist) && getenv("TF_DATA_DIR") == "" && exists(filepath.Join(dir, "terragrunt.hcl")):
		// Terragrunt runs Terraform in a cache directory below this one.
		cache, err := terragruntCache(dir)
		if err != nil || cache == "" {
			return nil, err
		}
		return FindWorkdir(cache, getenv)
	case errors.Is(err, fs.ErrNotExist):
		if tf, _ := filepath.Glob(filepath.Join(dir, "*.tf")); len(tf) > 0 {
			return nil, usagef("%s holds Terraform files but was never initialised (no %s): run terraform init there, or pass --table/--bucket, or --no-workdir", dir, filepath.Join(data, "terraform.tfstate"))
		}
		return nil, nil
	case err != nil:
		return nil, usagef("working directory %s: %v", dir, err)
	}
	var bf backendFile
	if err := json.Unmarshal(raw, &bf); err != nil {
		return nil, usagef("%s cannot be read (%v): run terraform init again, or pass --no-workdir", filepath.Join(data, "terraform.tfstate"), err)
	}
	switch {
	case bf.Backend == nil || bf.Backend.Type == "":
		return nil, usagef("%s uses no remote backend (the local one): its lock is a local file, not one lockwarden watches; pass --no-workdir", dir)
	case bf.Backend.Type != "s3":
		return nil, usagef("%s uses the %s backend: lockwarden watches the s3 backend's locks only; pass --no-workdir", dir, bf.Backend.Type)
	}
	w, err := s3Backend(bf.Backend.Config)
	if err != nil {
		return nil, usagef("%s: %v", filepath.Join(data, "terraform.tfstate"), err)
	}
	w.Dir, w.DataDir = dir, data
	w.Workspace = getenv("TF_WORKSPACE")
	if w.Workspace == "" {
		if env, err := os.ReadFile(filepath.Join(data, "environment")); err == nil {
			w.Workspace = strings.TrimSpace(string(env))
		}
	}
	return w, nil
}

// s3Backend reads the s3 backend's configuration as Terraform 1.5 to
// 1.11 and OpenTofu write it.
func s3Backend(c map[string]any) (*Workdir, error) {
	str := func(k string) string { s, _ := c[k].(string); return s }
	boolean := func(k string) bool { b, _ := c[k].(bool); return b }
	list := func(k string) []string {
		var out []string
		if l, ok := c[k].([]any); ok {
			for _, v := range l {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	w := &Workdir{
		Bucket: str("bucket"), Key: str("key"), WorkspaceKeyPrefix: str("workspace_key_prefix"),
		Region: str("region"), Profile: str("profile"), Table: cmp.Or(str("dynamodb_table"), str("lock_table")),
		LockFile: boolean("use_lockfile"), PathStyle: boolean("use_path_style") || boolean("force_path_style"),
		AccessKey: str("access_key"), SecretKey: str("secret_key"), Token: str("token"),
		SharedConfigFiles: list("shared_config_files"), SharedCredentialsFiles: list("shared_credentials_files"),
		Endpoint: str("dynamodb_endpoint"), S3Endpoint: str("endpoint"),
	}
	if f := str("shared_credentials_file"); f != "" && len(w.SharedCredentialsFiles) == 0 {
		w.SharedCredentialsFiles = []string{f}
	}
	if eps, ok := c["endpoints"].(map[string]any); ok {
		if s, ok := eps["dynamodb"].(string); ok && s != "" {
			w.Endpoint = s
		}
		if s, ok := eps["s3"].(string); ok && s != "" {
			w.S3Endpoint = s
		}
	}
	if eps, ok := c["endpoints"].(map[string]any); ok {
		w.AssumeRole.Endpoint, _ = eps["sts"].(string)
	}
	w.AssumeRole.Endpoint = cmp.Or(w.AssumeRole.Endpoint, str("sts_endpoint"))
	if ar, ok := c["assume_role"].(map[string]any); ok {
		w.AssumeRole.ARN, _ = ar["role_arn"].(string)
		w.AssumeRole.ExternalID, _ = ar["external_id"].(string)
		w.AssumeRole.SessionName, _ = ar["session_name"].(string)
	}
	if arn := str("role_arn"); arn != "" { // Terraform 1.5's flat attributes
		w.AssumeRole.ARN, w.AssumeRole.ExternalID, w.AssumeRole.SessionName = arn, str("external_id"), str("session_name")
	}
	if w.Bucket == "" || w.Key == "" {
		return nil, fmt.Errorf("the s3 backend names no bucket or key: run terraform init again")
	}
	if w.Table == "" && !w.LockFile {
		return nil, fmt.Errorf("the s3 backend locks nothing (no dynamodb_table, no use_lockfile): Terraform does not lock this state")
	}
	return w, nil
}

// workdirOf reads the working directory this runs in, unless
// --no-workdir (or LOCKWARDEN_NO_WORKDIR) says not to, or a flag says
// where the locks are (--table, --bucket, --region, …): the directory is
// what lockwarden falls back on when nothing else says where, never half
// of a place.
func workdirOf(flags *pflag.FlagSet) (*Workdir, error) {
	for _, f := range placeFlags {
		if _, given := FlagOrEnv(flags, f); given {
			return nil, nil
		}
	}
	if val, set := FlagOrEnv(flags, "no-workdir"); set {
		off, err := ParseBool(val)
		if err != nil {
			return nil, usagef("--no-workdir / %s: %v", EnvName("no-workdir"), err)
		}
		if off {
			return nil, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, nil
	}
	return FindWorkdir(dir, os.Getenv)
}

// contextConfig is the working directory as a context: its place and
// how it is reached. The lock files are watched in the state's bucket.
func (w Workdir) contextConfig() contextConfig {
	prefix := cmp.Or(w.WorkspaceKeyPrefix, "env:")
	cc := contextConfig{Profile: w.Profile, Region: w.Region, Table: w.Table, Endpoint: w.Endpoint, S3Endpoint: w.S3Endpoint, WorkspaceKeyPrefix: &prefix}
	if w.LockFile {
		cc.Buckets = []string{w.Bucket}
	}
	return cc
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// terragruntCache finds the one initialised Terraform directory in dir's
// .terragrunt-cache (.terragrunt-cache/HASH/HASH/…/.terraform): "" when
// there is none to read ("run terragrunt init"), an error when there are
// several, since which is meant cannot be told.
func terragruntCache(dir string) (string, error) {
	root := filepath.Join(dir, ".terragrunt-cache")
	var found []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".terraform" {
			if exists(filepath.Join(p, "terraform.tfstate")) {
				found = append(found, filepath.Dir(p))
			}
			return filepath.SkipDir
		}
		if d.IsDir() && strings.Count(strings.TrimPrefix(p, root), string(filepath.Separator)) > 8 {
			return filepath.SkipDir // a cache is shallow: HASH/HASH/module path
		}
		return nil
	})
	switch len(found) {
	case 0:
		return "", usagef("%s holds terragrunt.hcl but no initialised Terraform directory in .terragrunt-cache: run terragrunt init there, or pass --table/--bucket, or --no-workdir", dir)
	case 1:
		return found[0], nil
	}
	return "", usagef("%s has %d initialised directories in .terragrunt-cache (%s): cd into the one whose state you mean, or pass --no-workdir", dir, len(found), strings.Join(found, ", "))
}
