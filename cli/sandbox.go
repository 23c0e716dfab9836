package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/sandbox"
)

func newSandboxCmd(env *Env) *cobra.Command {
	var dynamoAddr, s3Addr string
	var empty, team, lockFilesOnly bool
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve a local DynamoDB and S3 with realistic locks, until interrupted",
		Long: `Serve an in-process DynamoDB (minidyn) and S3 (gofakes3) on loopback, with
table terraform-locks and bucket tfstate seeded in the exact formats Terraform
and OpenTofu write: applies, plans, a state-rm, workspaces, a lock days old, a
lock whose holder clock is ahead, digests with their state objects, a
malformed item and a .tflock lock file.

It prints the endpoints, backend blocks for Terraform/OpenTofu and the
lockwarden command that inspects it. Stop it with Ctrl+C; nothing is kept.

With --lock-files-only it is set up as a team that locks with S3 lock files
alone (use_lockfile, Terraform >= 1.10 / OpenTofu >= 1.10): a bucket and no
lock table, the seed locks held in .tflock files, states without digests.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sb, err := sandbox.Start(ctx, sandbox.Options{DynamoAddr: dynamoAddr, S3Addr: s3Addr, Empty: empty, Now: env.Now, LockFilesOnly: lockFilesOnly})
			if err != nil {
				return err
			}
			defer sb.Close()
			w := env.Stdout
			fmt.Fprintf(w, "lockwarden sandbox is running.\n\n")
			if lockFilesOnly {
				fmt.Fprintf(w, "  No lock table: locks are S3 lock files (use_lockfile).\n")
			} else {
				fmt.Fprintf(w, "  DynamoDB  %s   table  %s\n", sb.DynamoURL, sandbox.Table)
			}
			fmt.Fprintf(w, "  S3        %s   bucket %s\n", sb.S3URL, sandbox.Bucket)
			fmt.Fprintf(w, "  Region    %s   (any access key works)\n\n", sandbox.Region)
			fmt.Fprintf(w, "Inspect it:\n\n  %s\n  %s\n\n", sb.InspectCommand(""), sb.InspectCommand("list"))
			fmt.Fprintf(w, "Share writes as a team: add --audit s3://%s/team to every command (bucket %s is\nempty): each release is recorded there, and 'lockwarden audit' shows it anywhere.\n\n", sandbox.AuditBucket, sandbox.AuditBucket)
			fmt.Fprintf(w, "Point Terraform or OpenTofu at it with one of these backend blocks:\n\n%s\n", sb.BackendBlocks("my-service/terraform.tfstate"))
			if team {
				go sb.RunTeam(ctx, 3*time.Second, 4*time.Second, func(string, ...any) {})
				what := "locks"
				if lockFilesOnly {
					what = "lock files"
				}
				fmt.Fprintf(w, "A simulated team takes and releases %s every few seconds.\n", what)
			}
			fmt.Fprintf(w, "Press Ctrl+C to stop.\n")
			<-ctx.Done()
			fmt.Fprintf(w, "\nsandbox stopped.\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&dynamoAddr, "dynamodb-addr", "127.0.0.1:8000", "address for the DynamoDB API (127.0.0.1:0 for any free port)")
	cmd.Flags().StringVar(&s3Addr, "s3-addr", "127.0.0.1:9000", "address for the S3 API (127.0.0.1:0 for any free port)")
	cmd.Flags().BoolVar(&empty, "empty", false, "create the table and bucket but seed nothing")
	cmd.Flags().BoolVar(&team, "team", false, "also simulate a team taking and releasing locks")
	cmd.Flags().BoolVar(&lockFilesOnly, "lock-files-only", false, "a bucket and no lock table: locks are S3 lock files (use_lockfile)")
	return cmd
}

// startDemoSandbox starts the sandbox on free ports with the team running,
// and returns settings that point at it.
func startDemoSandbox(ctx context.Context, env *Env, logf func(string, ...any)) (*sandbox.Sandbox, config.Settings, error) {
	return startDemoSandboxWith(ctx, env, logf, false)
}

// startDemoSandboxWith is startDemoSandbox; lockFilesOnly sets it up with
// a bucket and no lock table, and settings that name no table.
func startDemoSandboxWith(ctx context.Context, env *Env, logf func(string, ...any), lockFilesOnly bool) (*sandbox.Sandbox, config.Settings, error) {
	sb, err := sandbox.Start(ctx, sandbox.Options{DynamoAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", Now: env.Now, LockFilesOnly: lockFilesOnly})
	if err != nil {
		return nil, config.Settings{}, err
	}
	go sb.RunTeam(ctx, 3*time.Second, 4*time.Second, logf)
	s := config.Settings{
		Context: "demo", Region: sandbox.Region, Table: sandbox.Table, Endpoint: sb.DynamoURL,
		S3Endpoint: sb.S3URL, Buckets: []string{sandbox.Bucket}, StaleAfter: time.Hour,
		PollInterval: 2 * time.Second, S3PollInterval: 2 * time.Second, Segments: 4, WorkspaceKeyPrefix: "env:",
		// The demo's writes are audited apart from real ones, in the
		// sandbox's own shared log (h shows them as the team's).
		AuditFile: filepath.Join(filepath.Dir(audit.DefaultPath()), "demo-audit.jsonl"),
		Audit:     "s3://" + sandbox.AuditBucket + "/demo", AuditRegion: sandbox.Region, AuditEndpoint: sb.S3URL,
	}
	if lockFilesOnly {
		s.Table, s.Endpoint = "", ""
	}
	return sb, s, nil
}
