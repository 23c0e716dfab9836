package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/buildinfo"
)

// newVersionCmd says which lockwarden this is, in more detail than
// --version's one line: what a bug report should quote.
func newVersionCmd(env *Env) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print lockwarden's version, the commit it was built from, and its Go version",
		Long: `Print the version (a release's, the module version 'go install' recorded, or
(devel) for a build from a checkout), the VCS commit and its time, whether the
working tree had uncommitted changes, the Go version and the platform.
'lockwarden --version' prints the same on one line. -o json prints it as an
object, for scripts and bug reports.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			info := buildinfo.Read()
			if output == "json" {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return printVersion(env.Stdout, info)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// printVersion writes info as aligned "key  value" lines.
func printVersion(w io.Writer, info buildinfo.Info) error {
	// Without a commit there is no telling whether the tree was modified.
	rev, when, modified := "unknown", "unknown", "unknown"
	if info.Revision != "" {
		rev, modified = info.Revision, fmt.Sprint(info.Modified)
	}
	if !info.Time.IsZero() {
		when = info.Time.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "version\t%s\n", info.Version)
	fmt.Fprintf(tw, "commit\t%s\n", rev)
	fmt.Fprintf(tw, "commit time\t%s\n", when)
	fmt.Fprintf(tw, "modified\t%s\n", modified)
	fmt.Fprintf(tw, "go\t%s\n", info.GoVersion)
	fmt.Fprintf(tw, "platform\t%s\n", info.Platform)
	return tw.Flush()
}
