package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lockwarden/lockwarden/buildinfo"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/exporter"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// DefaultListen is where the exporter listens unless told otherwise:
// loopback, because lock holders' names and state paths are not for every
// network the host is on. Prometheus's list of exporter ports is full;
// this one is lockwarden's own choice.
const DefaultListen = "127.0.0.1:9858"

// unnamedContext labels the one context of a run that names none (its
// table and buckets given as flags).
const unnamedContext = "default"

func newExporterCmd(env *Env) *cobra.Command {
	var listen, listenAlias, metricsPath, webConfig, minInterval, readTimeout string
	cmd := &cobra.Command{
		Use:   "exporter",
		Short: "Serve the locks as Prometheus metrics on /metrics (read-only)",
		Long: `Serve Prometheus metrics about the locks of one context or several
(--context a,b, --all-contexts): who holds which state since when, stale
and malformed counts, and what reading cost. It has no write path at all.

A scrape reads a context again only when its last read is older than
--min-interval and its read budget allows (max_read_share of a
provisioned table, max_read_units_per_hour on demand); otherwise it is
served from the last read, so several Prometheus servers scraping often
cost no more than one. Buckets are listed at most every s3_poll_interval.
A context that fails, or gives no answer within --read-timeout, has
lockwarden_up 0 and no lock series; the others are served.

It takes the flags every Prometheus exporter does: --web.listen-address
(--listen is its alias), --web.telemetry-path, and --web.config.file, the
exporter-toolkit web configuration: TLS (and mTLS: client_ca_file,
client_auth_type) and basic auth with bcrypt hashes, as node_exporter reads
it; a key it does not know is refused. A landing page is served at /.

The metrics, alert rules and a systemd unit: docs/admin/alerting.md and
deploy/prometheus/lockwarden-alerts.yml.`,
		Example: `  lockwarden exporter --context prod
  lockwarden exporter --all-contexts --web.listen-address :9858 --web.config.file /etc/lockwarden/web.yml
  lockwarden exporter --table terraform-locks --region eu-west-1 --min-interval 1m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := refuseWrite(cmd.Flags()); err != nil {
				return err
			}
			opts, err := exporterOptions(minInterval, readTimeout)
			if err != nil {
				return err
			}
			web, err := webOptions(cmd, listen, listenAlias, metricsPath, webConfig)
			if err != nil {
				return err
			}
			fleet, err := config.LoadFleet(cmd.Flags())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			targets, err := exporterTargets(ctx, fleet)
			if err != nil {
				return err
			}
			logf := func(format string, a ...any) {
				fmt.Fprintln(env.Stderr, "lockwarden exporter: "+sanitize.Text(sanitize.OneLine(fmt.Sprintf(format, a...))))
			}
			opts.Logf = logf
			opts.Now = env.Now
			return serveExporter(ctx, env, web, targets, opts)
		},
	}
	cmd.Flags().StringVar(&listen, "web.listen-address", DefaultListen, "address to serve the metrics on, HOST:PORT (:PORT for every interface)")
	cmd.Flags().StringVar(&listenAlias, "listen", DefaultListen, "alias of --web.listen-address")
	cmd.Flags().StringVar(&metricsPath, "web.telemetry-path", "/metrics", "path the metrics are served on")
	cmd.Flags().StringVar(&webConfig, "web.config.file", "", "exporter-toolkit web configuration: TLS and basic auth (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md)")
	cmd.Flags().StringVar(&minInterval, "min-interval", model.FormatThreshold(exporter.DefaultMinInterval), "serve a context from its last read until that read is this old")
	cmd.Flags().StringVar(&readTimeout, "read-timeout", model.FormatThreshold(exporter.DefaultReadTimeout), "a context that has not answered by then is down for this scrape")
	return cmd
}

// exporterOptions reads --min-interval and --read-timeout.
func exporterOptions(minInterval, readTimeout string) (exporter.Options, error) {
	var opts exporter.Options
	for _, f := range []struct {
		name, value string
		into        *time.Duration
	}{{"min-interval", minInterval, &opts.MinInterval}, {"read-timeout", readTimeout, &opts.ReadTimeout}} {
		d, err := model.ParseDuration(f.value)
		if err != nil {
			return opts, usagef("--%s: %v", f.name, err)
		}
		if d <= 0 {
			return opts, usagef("--%s must be longer than 0, not %s", f.name, f.value)
		}
		*f.into = d
	}
	return opts, nil
}

// exporterTargets connects every context's reader. Nothing that writes is
// built: the exporter has no write path.
func exporterTargets(ctx context.Context, fleet []config.Settings) ([]exporter.Target, error) {
	targets := make([]exporter.Target, 0, len(fleet))
	for _, s := range fleet {
		name := s.Context
		if name == "" {
			name = unnamedContext
		}
		d, err := dial(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("context %s: %w", name, err)
		}
		targets = append(targets, exporter.Target{
			Context: name, Reader: d.locks(), Table: s.Table != "", Buckets: len(s.Buckets) > 0, BucketPlaces: bucketPlaces(s),
			ListEvery: s.S3PollInterval, StaleAfter: s.StaleAfter, Budget: s.ReadBudget,
		})
	}
	return targets, nil
}

// webConfig is where and how the exporter serves: its address, the
// metrics' path, and the exporter-toolkit web configuration (TLS, basic
// auth), checked before anything is served.
type webConfig struct {
	addr, path, file string
	loaded           *exporter.WebConfig
	// flag is the flag that named the address, for messages.
	flag string
}

// webOptions reads the web flags, strictly: an address that is not one,
// a path that is not one, a web configuration that does not load, are
// each one line and exit 2 — never an exporter served plain when TLS was
// asked for.
func webOptions(cmd *cobra.Command, listen, alias, path, file string) (webConfig, error) {
	w := webConfig{addr: listen, path: path, file: file, flag: "--web.listen-address"}
	if cmd.Flags().Changed("listen") {
		if cmd.Flags().Changed("web.listen-address") && alias != listen {
			return w, usagef("--listen and --web.listen-address name different addresses: give one")
		}
		w.addr, w.flag = alias, "--listen"
	}
	if _, _, err := net.SplitHostPort(w.addr); err != nil {
		return w, usagef("%s %q is not an address: give HOST:PORT or :PORT (%v)", w.flag, w.addr, err)
	}
	if !strings.HasPrefix(path, "/") || path == "/" {
		return w, usagef("--web.telemetry-path must be a path such as /metrics, not %q", path)
	}
	if file == "" {
		return w, nil
	}
	loaded, err := exporter.LoadWebConfig(file)
	if err != nil {
		return w, usagef("--web.config.file %s: %s", file, sanitize.OneLine(err.Error()))
	}
	w.loaded = loaded
	return w, nil
}

// serveExporter listens and serves the metrics until ctx ends, with TLS
// and basic auth when the web configuration asks for them.
func serveExporter(ctx context.Context, env *Env, w webConfig, targets []exporter.Target, opts exporter.Options) error {
	collector := exporter.New(targets, opts)
	defer collector.Close()
	handler, err := exporter.Handler(collector, w.path, buildinfo.Version(), opts.Logf)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", w.addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s %s: the address is already in use (another exporter?): stop it, or choose another address with %s", w.flag, w.addr, w.flag)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", w.flag, w.addr, err)
	}
	scheme := "http"
	if w.loaded != nil {
		handler = w.loaded.Protect(handler)
		if w.loaded.TLS != nil {
			ln, scheme = tls.NewListener(ln, w.loaded.TLS), "https"
		}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Context
	}
	opts.Logf("serving %s://%s%s for %s %s (read-only; a context is read at most every %s)",
		scheme, ln.Addr(), w.path, model.Plural(len(names), "context", "contexts"), strings.Join(names, ", "), model.FormatThreshold(opts.MinInterval))
	select {
	case err := <-served:
		return fmt.Errorf("serving metrics: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping the exporter: %w", err)
	}
	opts.Logf("stopped")
	return nil
}

// bucketPlaces names the watched buckets as the exporter's
// lockwarden_partial_read does.
func bucketPlaces(s config.Settings) []string {
	var out []string
	for _, bp := range s.BucketPrefixes() {
		out = append(out, bp.Place())
	}
	return out
}

// refuseWrite refuses --write and LOCKWARDEN_WRITE (set to anything but
// false): the exporter has no write path, and an operator who asked for
// one must not believe it has one.
func refuseWrite(flags *pflag.FlagSet) error {
	val, given := config.FlagOrEnv(flags, "write")
	if !given {
		return nil
	}
	if b, err := config.ParseBool(val); err == nil && !b {
		return nil
	}
	return usagef("the exporter never writes: --write (or %s) has no meaning here; unset it", config.EnvName("write"))
}
