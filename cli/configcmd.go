package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newConfigCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Add contexts to the config file: from a Terraform working directory, or the lock tables found",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigAddCmd(env), newConfigDiscoverCmd(env))
	return cmd
}

func newConfigAddCmd(env *Env) *cobra.Command {
	var name string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a context built from this Terraform working directory, or from flags",
		Long: `Append a context to the config file: built from the Terraform working directory
this runs in (its s3 backend: bucket, region, profile, dynamodb_table,
use_lockfile, endpoints, workspace_key_prefix), or from --table, --region,
--bucket, --profile and the endpoint flags. It is named after the state's
bucket and key (or the table) unless --name says otherwise, and shown before
it is written. A context of that name already there is never overwritten;
the file's comments and order are kept, and the result must load as
strictly as any config. Credentials written into a backend block are not
copied: name a profile.`,
		Example: `  cd infra/app && lockwarden config add
  lockwarden config add --name prod --table terraform-locks --region eu-west-1 --profile prod-admin
  lockwarden config add --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := config.RequirePlace(config.Load(cmd.Flags()))
			if err != nil {
				return err
			}
			if w := s.Workdir; w != nil && w.AssumeRole.ARN != "" {
				return usagef("the backend assumes role %s, which a context cannot say: nothing added; make an AWS profile that assumes it (role_arn, source_profile) and run config add --profile NAME", w.AssumeRole.ARN)
			}
			nc, defName := newContextOf(env, s)
			if name == "" {
				name = defName
			}
			return addContext(env, s, name, nc, dryRun)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the context's name (default: from the state's bucket and key, or the table)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be added, and write nothing")
	return cmd
}

// newContextOf is the context the settings make, and its default name.
func newContextOf(env *Env, s config.Settings) (config.NewContext, string) {
	nc := config.NewContext{Profile: s.Profile, Region: s.Region, Table: s.Table, Endpoint: s.Endpoint, S3Endpoint: s.S3Endpoint, Buckets: s.Buckets}
	if w := s.Workdir; w != nil {
		if w.WorkspaceKeyPrefix != "" && w.WorkspaceKeyPrefix != "env:" {
			nc.WorkspaceKeyPrefix = w.WorkspaceKeyPrefix
		}
		if w.AccessKey != "" {
			stderrWarn(env)("the backend's access_key and secret_key are not copied into the config: give the context a profile (--profile) if the default AWS chain does not reach it")
		}
		if len(w.SharedConfigFiles)+len(w.SharedCredentialsFiles) > 0 {
			stderrWarn(env)("the backend's shared_config_files and shared_credentials_files are not copied into the config: set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, or give the context a profile in the default files")
		}
		return nc, config.ContextName(w.Bucket, w.Key)
	}
	if s.Table != "" {
		return nc, config.ContextName(s.Table, "")
	}
	return nc, config.ContextName(s.Buckets[0], "")
}

// addContext writes the context into the config file (made, 0600, when
// there is none yet) through a temporary file, after showing it.
func addContext(env *Env, s config.Settings, name string, nc config.NewContext, dryRun bool) error {
	path := s.ConfigFile
	if path == "" {
		path = config.DefaultConfigPath()
	}
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	out, err := config.AddContext(path, raw, name, nc)
	if err != nil {
		return err
	}
	verb := "Adding"
	if dryRun {
		verb = "Would add (--dry-run: nothing written)"
	}
	fmt.Fprintf(env.Stdout, "%s to %s, under contexts:\n\n", verb, sanitize.Text(path))
	for _, line := range strings.Split(strings.TrimRight(nc.YAML(name), "\n"), "\n") {
		fmt.Fprintln(env.Stdout, "  "+sanitize.Text(line))
	}
	fmt.Fprintln(env.Stdout)
	if dryRun {
		return nil
	}
	if err := writeFileAtomic(path, out); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	fmt.Fprintf(env.Stdout, "Added. Use it: lockwarden --context %s\n", sanitize.Text(config.ShellWord(name)))
	return nil
}

// writeFileAtomic replaces path with data through a temporary file in its
// directory, keeping the file's mode (0600 for a new one).
func writeFileAtomic(path string, data []byte) error {
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newConfigDiscoverCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "discover",
		Short: "List the DynamoDB tables that look like lock tables, and the command that adds each",
		Long: `List the DynamoDB tables of the account and region (--region, --profile,
--endpoint-url) whose key is exactly what Terraform's and OpenTofu's lock
tables have — LockID, a string, as the hash key and nothing else — and the
'lockwarden config add' command that makes each a context. Nothing is
written. Needs dynamodb:ListTables and dynamodb:DescribeTable.`,
		Example: `  lockwarden config discover --region eu-west-1 --profile prod-admin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := config.Load(cmd.Flags())
			if err != nil {
				return err
			}
			d, err := dial(cmd.Context(), s)
			if err != nil {
				return err
			}
			tables, err := lwaws.LockTables(cmd.Context(), lwaws.NewDynamoDB(d.cfg, s.Endpoint), d.cfg.Region, lwaws.EffectiveEndpoint(s.Endpoint))
			if err != nil {
				return err
			}
			where := "region " + d.cfg.Region
			if len(tables) == 0 {
				fmt.Fprintf(env.Stdout, "No lock table in %s (none has LockID, a string, as its only key).\n", where)
				return nil
			}
			fmt.Fprintf(env.Stdout, "Lock tables in %s (LockID, a string, as the only key):\n\n", where)
			for _, t := range tables {
				args := " --table " + config.ShellWord(t) + " --region " + config.ShellWord(d.cfg.Region)
				if s.Profile != "" {
					args += " --profile " + config.ShellWord(s.Profile)
				}
				if s.Endpoint != "" {
					args += " --endpoint-url " + config.ShellWord(s.Endpoint)
				}
				fmt.Fprintf(env.Stdout, "  %s\n    lockwarden config add --name %s%s\n", sanitize.Text(t), sanitize.Text(config.ShellWord(config.ContextName(t, ""))), sanitize.Text(args))
			}
			return nil
		},
	}
}
