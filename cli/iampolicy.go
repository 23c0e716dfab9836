package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/doctor"
)

func newIAMPolicyCmd(env *Env) *cobra.Command {
	var mode string
	cmd := &cobra.Command{
		Use:   "iam-policy --for MODE",
		Short: "Print the least IAM policy a mode of lockwarden needs, for the configured places",
		Long: `Print, as JSON, the least IAM policy that one mode of lockwarden needs on the
context's lock table, buckets (and their prefixes) and shared audit log:

  read      the UI, list, status, digest check
  release   unlock (and what it reads first)
  restore   restore
  repair    digest repair
  reap      reap --apply
  exporter  the Prometheus exporter
  doctor    doctor (its write probes only on lockwarden-doctor/ keys)
  prune     lockfiles prune-versions
  audit     the shared audit log alone: put and read records, never delete

Every action granted is one the mode calls, and every call the mode makes
is granted: the tests record each mode's AWS calls and check both ways. The
account comes from STS when it answers; otherwise the ARNs say * for it.`,
		Example: `  lockwarden iam-policy --for read --context prod
  lockwarden iam-policy --for reap --context prod > reaper-policy.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := config.RequirePlace(config.Load(cmd.Flags()))
			if err != nil {
				return err
			}
			d, err := dial(cmd.Context(), s)
			if err != nil {
				return err
			}
			p := doctor.Places{Region: d.cfg.Region, Table: s.Table}
			endpoint := lwaws.EffectiveEndpoint(s.Endpoint)
			if s.Table == "" {
				endpoint = s.S3Endpoint
			}
			p.Account = lwaws.CallerIdentity(cmd.Context(), d.cfg, endpoint).Account
			for _, bp := range s.BucketPrefixes() {
				p.Buckets = append(p.Buckets, doctor.BucketPrefix{Bucket: bp.Bucket, Prefix: bp.Prefix})
			}
			if s.Audit != "" {
				p.AuditBucket, p.AuditPrefix, _ = audit.ParseLocation(s.Audit)
			}
			pol, err := doctor.IAMPolicy(mode, p)
			if err != nil {
				return usagef("%v", err)
			}
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(pol)
		},
	}
	cmd.Flags().StringVar(&mode, "for", "", "the mode: read, release, restore, repair, reap, exporter, doctor, prune or audit")
	return cmd
}
