package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/buildinfo"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
	"github.com/lockwarden/lockwarden/ui"
)

// runTUI opens the terminal UI on the configured table.
func runTUI(cmd *cobra.Command, env *Env) error {
	fleet, err := config.LoadFleet(cmd.Flags())
	if err != nil {
		return err
	}
	logf, closeLog, err := openLog(cmd)
	if err != nil {
		return err
	}
	defer closeLog()
	if len(fleet) > 1 {
		return openFleetUI(cmd.Context(), env, fleet, logf)
	}
	return openUI(cmd.Context(), env, fleet[0], logf, switcher(cmd.Flags(), env, logf), config.ContextsWhere(cmd.Flags(), fleet[0].Contexts))
}

// openFleetUI runs the UI over several contexts at once until the user
// quits. A context that cannot even be connected to (a profile that does
// not exist) is shown failing, with why; it does not keep the others off
// the screen.
func openFleetUI(ctx context.Context, env *Env, fleet []config.Settings, logf func(string, ...any)) error {
	if !env.IsTerminal(env.Stdout) {
		return usagef("the terminal UI needs a terminal; for scripts use 'lockwarden list' (-o json)")
	}
	p := tea.NewProgram(fleetModel(ctx, env, fleet, logf), tea.WithContext(ctx), tea.WithInput(env.Stdin), tea.WithOutput(env.Stdout))
	final, err := p.Run()
	if m, ok := final.(ui.Model); ok {
		printWrites(env.Stdout, m.Writes(), func(name string) config.Settings {
			for _, s := range fleet {
				if s.Context == name {
					return s
				}
			}
			return config.Settings{Context: name}
		})
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// fleetModel connects every context of a fleet, each with its own
// credentials, reader and write path (none where it is read-only).
func fleetModel(ctx context.Context, env *Env, fleet []config.Settings, logf func(string, ...any)) ui.Model {
	members := make([]ui.Member, len(fleet))
	for i, s := range fleet {
		src, cfg, err := connect(ctx, env, s, logf)
		if err != nil {
			logf("context %s: %v", s.Context, err)
			src, cfg = failedSource{err}, uiConfig(s, "", "", env, logf)
			cfg.ReadOnlyWhy = "context " + s.Context + " is not connected: " + err.Error()
		}
		members[i] = ui.Member{Config: cfg, Source: src}
	}
	return ui.NewFleet(ui.Config{Now: env.Now, Logf: logf}, members)
}

// failedSource stands for a context that could not be connected to: every
// read fails with why.
type failedSource struct{ err error }

// Scan implements ui.Source.
func (f failedSource) Scan(context.Context, bool) (model.Snapshot, error) {
	return model.Snapshot{}, f.err
}

// switcher connects the UI to another configured context. Each switch
// resolves that context's settings afresh — write permission included —
// and hands the next switch along, so ':' works any number of times.
func switcher(flags *pflag.FlagSet, env *Env, logf func(string, ...any)) func(context.Context, string) (ui.Source, ui.Config, error) {
	var sw func(context.Context, string) (ui.Source, ui.Config, error)
	sw = func(ctx context.Context, name string) (ui.Source, ui.Config, error) {
		next, err := config.RequirePlace(config.LoadFor(flags, name))
		if err != nil {
			return nil, ui.Config{}, err
		}
		src, cfg, err := connect(ctx, env, next, logf)
		if err != nil {
			return nil, ui.Config{}, err
		}
		cfg.Switch = sw
		cfg.ContextsWhere = config.ContextsWhere(flags, next.Contexts)
		return src, cfg, nil
	}
	return sw
}

// openUI connects and runs the UI until the user quits.
func openUI(ctx context.Context, env *Env, s config.Settings, logf func(string, ...any), switcher func(context.Context, string) (ui.Source, ui.Config, error), where map[string]string) error {
	if !env.IsTerminal(env.Stdout) {
		return usagef("the terminal UI needs a terminal; for scripts use 'lockwarden list' (-o json)")
	}
	src, cfg, err := connect(ctx, env, s, logf)
	if err != nil {
		return err
	}
	if len(s.Contexts) > 1 {
		cfg.Switch, cfg.ContextsWhere = switcher, where
	}
	p := tea.NewProgram(ui.New(cfg, src), tea.WithContext(ctx), tea.WithInput(env.Stdin), tea.WithOutput(env.Stdout))
	final, err := p.Run()
	// The alternate screen, and the undo offer on it, are gone: say what
	// was written and how to undo it, whatever ended the UI.
	if m, ok := final.(ui.Model); ok {
		printWrites(env.Stdout, m.Writes(), settingsIn(s))
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// settingsIn gives the settings of the context a write of a one-context
// UI was made in: s, or only the name of a context switched to.
func settingsIn(s config.Settings) func(string) config.Settings {
	return func(name string) config.Settings {
		if name == s.Context {
			return s
		}
		return config.Settings{Context: name}
	}
}

// printWrites lists the UI's writes of the session, each release and
// repair with the command that undoes it, in the context written to
// (settingsOf gives its settings). Nothing written, nothing said.
func printWrites(w io.Writer, writes []ui.Write, settingsOf func(context string) config.Settings) {
	if len(writes) == 0 {
		return
	}
	unknown := 0
	for _, wr := range writes {
		if wr.Unknown {
			unknown++
		}
	}
	switch done := len(writes) - unknown; {
	case unknown == 0:
		fmt.Fprintf(w, "lockwarden wrote %d change%s this session:\n", done, model.Plural(done, "", "s"))
	default:
		fmt.Fprintf(w, "lockwarden wrote %d change%s this session, and tried %d more whose outcome is unknown:\n", done, model.Plural(done, "", "s"), unknown)
	}
	for _, wr := range writes {
		fmt.Fprintf(w, "  %s  %s\n", wr.At.Format("15:04:05"), wr.String())
		where := settingsOf(wr.Context).CopyArgs()
		switch {
		case wr.Undoable():
			fmt.Fprintf(w, "            to undo: lockwarden restore %s%s\n", sanitize.Text(wr.RecordID), where)
		case wr.Unknown:
			fmt.Fprintf(w, "            check with 'lockwarden list%s' whether it is still held; if it went, lockwarden restore %s%s puts it back (it checks that the release removed it, and asks)\n",
				where, sanitize.Text(wr.RecordID), where)
		}
	}
}

// connect builds the lock-table reader and the UI's config for settings.
func connect(ctx context.Context, env *Env, s config.Settings, logf func(string, ...any)) (ui.Source, ui.Config, error) {
	d, err := dial(ctx, s)
	if err != nil {
		return nil, ui.Config{}, err
	}
	profile := s.Profile
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	src := d.locks()
	uc := uiConfig(s, profile, d.cfg.Region, env, logf)
	uc.Prober = prober{w: d.writer(), c: d.states()}
	uc.LockFileNotes = lockFileNotes(s)
	// The UI owns the terminal: damaged audit records go to its log.
	warn := func(msg string) { logf("warning: %s", msg) }
	if s.Audit != "" {
		// The team's writes, for h and the detail view: read-only runs
		// read them too.
		trail, err := d.trail(ctx, env, warn)
		if err != nil {
			return nil, ui.Config{}, err
		}
		uc.Team = trail
	}
	if !s.ReadOnly {
		// Read-only runs get no write path at all, not merely hidden keys.
		svc, err := d.service(ctx, env, warn)
		if err != nil {
			return nil, ui.Config{}, err
		}
		uc.Releaser = svc
	}
	return src, uc, nil
}

// uiConfig is what the UI is told of a context: its settings, with the
// profile and region the AWS SDK resolved; no write path, no prober
// (connect adds them).
func uiConfig(s config.Settings, profile, region string, env *Env, logf func(string, ...any)) ui.Config {
	if region != "" {
		s.Region = region
	}
	s.Profile = profile
	return ui.Config{Settings: s, Now: env.Now, Logf: logf}
}

// openLog opens --log-file for debug lines; without it, lines are dropped.
func openLog(cmd *cobra.Command) (func(string, ...any), func(), error) {
	path, _ := cmd.Flags().GetString("log-file")
	if path == "" {
		return func(string, ...any) {}, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, usagef("--log-file: %v", err)
	}
	l := log.New(f, "", log.LstdFlags|log.Lmicroseconds)
	// First, which build wrote what follows: a log attached to a bug
	// report must say it.
	l.Printf("%s", buildinfo.Read())
	return l.Printf, func() { _ = f.Close() }, nil
}

// isTerminal reports whether a stream is a terminal (not merely a
// character device: /dev/null is one too).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// prober reads a state's object and digest for the UI's detail view.
// With no lock table (w nil) there is no digest: only the state object is
// read, for the evidence a stale verdict rests on.
type prober struct {
	w *lwaws.LockWriter
	c lwaws.S3API
}

// Probe implements ui.Prober.
func (p prober) Probe(ctx context.Context, path string) model.DigestReport {
	if p.w == nil {
		r := model.DigestReport{Path: path, Status: model.DigestUnchecked}
		bucket, key := model.SplitPath(path)
		r.State, r.Err = lwaws.ReadState(ctx, p.c, bucket, key)
		return r
	}
	return lwaws.CheckDigest(ctx, p.w, p.c, path)
}
