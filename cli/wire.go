package cli

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file wires a context's settings to AWS: the readers of its lock
// table and buckets' lock files, and, for writes, the table's writer, the
// audit log and the guarded write path over them.

// dialled is one context reached: its settings and AWS configuration,
// from which each of its readers and writers is built.
type dialled struct {
	config.Settings
	cfg sdkaws.Config
}

// dial loads the AWS configuration of a context's settings: the one place
// a command reaches AWS from.
func dial(ctx context.Context, s config.Settings) (*dialled, error) {
	cfg, err := lwaws.LoadConfig(ctx, s.Connection())
	if err != nil {
		return nil, err
	}
	return &dialled{Settings: s, cfg: cfg}, nil
}

// locks reads the context's lock table and watched buckets.
func (d *dialled) locks() *lwaws.Locks { return openLocks(d.cfg, d.Settings) }

// tableOnly reads the context's lock table alone, without its buckets.
func (d *dialled) tableOnly() *lwaws.Locks {
	s := d.Settings
	s.Buckets = nil
	return openLocks(d.cfg, s)
}

// files reads and writes the watched buckets' lock files; nil when none
// is watched.
func (d *dialled) files() *lwaws.LockFiles { return lockFiles(d.cfg, d.Settings) }

// writer reaches the lock table; nil when none is named.
func (d *dialled) writer() *lwaws.LockWriter { return lockWriter(d.cfg, d.Settings) }

// states reads state objects in the context's buckets.
func (d *dialled) states() lwaws.S3API { return lwaws.NewS3(d.cfg, d.S3Endpoint) }

// service is the context's guarded write path. Its audit trail tells
// damaged records to warn (nil: the command's stderr); a shared log that
// cannot even be configured (its profile unknown) is an error: no write
// without its record.
func (d *dialled) service(ctx context.Context, env *Env, warn func(string)) (*guard.Service, error) {
	trail, err := d.trail(ctx, env, warn)
	if err != nil {
		return nil, err
	}
	s, cfg := d.Settings, d.cfg
	svc := &guard.Service{
		Files: lockFiles(cfg, s), Writer: lockWriter(cfg, s),
		Audit: trail, ReadOnly: s.ReadOnly, RequireReason: s.RequireReason,
		ResolveIdentity: func(ctx context.Context) lwaws.Identity {
			// The place written is the table's, else the buckets' (as
			// the audit records it): an emulator there has no account.
			endpoint := lwaws.EffectiveEndpoint(s.Endpoint)
			if s.Table == "" {
				endpoint = s.S3Endpoint
			}
			return lwaws.CallerIdentity(ctx, cfg, endpoint)
		},
		Context: s.Context, Profile: s.Profile, Now: env.Now,
	}
	// The state objects, for the evidence a restore of a release of
	// unknown outcome looks for — not when the table is an emulator's and
	// no S3 endpoint is given: that would ask real AWS.
	if s.S3Endpoint != "" || !lwaws.IsLoopback(lwaws.EffectiveEndpoint(s.Endpoint)) {
		states := lwaws.NewS3(cfg, s.S3Endpoint)
		svc.State = func(ctx context.Context, bucket, key string) (model.StateObject, error) {
			return lwaws.ReadState(ctx, states, bucket, key)
		}
	}
	return svc, nil
}

// newService connects the guarded write path for settings.
func newService(ctx context.Context, env *Env, s config.Settings) (*guard.Service, error) {
	d, err := dial(ctx, s)
	if err != nil {
		return nil, err
	}
	return d.service(ctx, env, nil)
}

// lockWriter reaches the lock table; nil when none is named.
func lockWriter(cfg sdkaws.Config, s config.Settings) *lwaws.LockWriter {
	if s.Table == "" {
		return nil
	}
	return &lwaws.LockWriter{
		Client: lwaws.NewDynamoDB(cfg, s.Endpoint), Table: s.Table, Region: cfg.Region,
		Endpoint: lwaws.EffectiveEndpoint(s.Endpoint), WorkspaceKeyPrefix: s.WorkspaceKeyPrefix,
	}
}

// trail is where the context's writes are recorded: the audit file, or
// the team's shared log in S3 (audit:) with the file as this machine's
// copy. A damaged record is told to warn, or on the command's stderr; the
// terminal UI must not print there, and hands its log instead.
func (d *dialled) trail(ctx context.Context, env *Env, warn func(string)) (audit.Trail, error) {
	if d.Audit == "" {
		return d.localLog(env, warn), nil
	}
	return d.shared(ctx, env, warn)
}

// localLog is this machine's audit file.
func (d *dialled) localLog(env *Env, warn func(string)) *audit.Log {
	if warn == nil {
		warn = stderrWarn(env)
	}
	return &audit.Log{Path: d.AuditFile, Warn: warn}
}

// shared is the context's shared audit log, reached with the audit_*
// settings, and this machine's copy of it.
func (d *dialled) shared(ctx context.Context, env *Env, warn func(string)) (*audit.Shared, error) {
	bucket, prefix, err := audit.ParseLocation(d.Audit)
	if err != nil {
		return nil, usagef("audit: %v", err)
	}
	cfg := d.cfg
	if d.AuditProfile != d.Profile || d.AuditRegion != d.Region {
		conn := lwaws.Connection{Profile: d.AuditProfile, Region: d.AuditRegion, S3Endpoint: d.AuditEndpoint}
		if cfg, err = lwaws.LoadConfig(ctx, conn); err != nil {
			return nil, fmt.Errorf("the shared audit log %s: %w", d.Audit, err)
		}
	}
	local := d.localLog(env, warn)
	store := &lwaws.AuditStore{Client: lwaws.NewS3(cfg, d.AuditEndpoint), Bucket: bucket,
		RetainFor: d.AuditRetention, RetainMode: types.ObjectLockMode(d.AuditRetentionMode), Now: env.Now}
	return &audit.Shared{Store: store, Prefix: prefix, Local: local, Context: d.Context, Warn: local.Warn, Now: env.Now}, nil
}

// stderrWarn tells a warning on the command's stderr, made safe for the
// terminal.
func stderrWarn(env *Env) func(string) {
	return func(msg string) {
		if env.Stderr != nil {
			fmt.Fprintf(env.Stderr, "lockwarden: warning: %s\n", sanitize.Text(msg))
		}
	}
}

// openLocks builds the reader of every place locks live: the table when
// one is named, the watched buckets' lock files when any is.
func openLocks(cfg sdkaws.Config, s config.Settings) *lwaws.Locks {
	l := &lwaws.Locks{Files: lockFiles(cfg, s)}
	if s.Table != "" {
		l.Table = &lwaws.LockTable{
			Client: lwaws.NewDynamoDB(cfg, s.Endpoint), Table: s.Table, Region: cfg.Region,
			Endpoint: lwaws.EffectiveEndpoint(s.Endpoint), Segments: s.Segments, WorkspaceKeyPrefix: s.WorkspaceKeyPrefix,
		}
	}
	return l
}

// lockFiles reads the watched buckets' lock files; nil when none is watched.
func lockFiles(cfg sdkaws.Config, s config.Settings) *lwaws.LockFiles {
	buckets := s.BucketPrefixes()
	if len(buckets) == 0 {
		return nil
	}
	return &lwaws.LockFiles{Client: lwaws.NewS3(cfg, s.S3Endpoint), Buckets: buckets, Region: cfg.Region,
		Endpoint: s.S3Endpoint, WorkspaceKeyPrefix: s.WorkspaceKeyPrefix}
}
