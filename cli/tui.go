package cli

import "github.com/spf13/cobra"

// runTUI opens the terminal UI. Until it lands, it explains what to run.
func runTUI(cmd *cobra.Command, env *Env) error {
	if _, err := settingsFor(cmd); err != nil {
		return err
	}
	return usagef("the terminal UI is not built yet: use 'lockwarden list'")
}
