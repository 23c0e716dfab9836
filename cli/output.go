package cli

// This file holds what the commands share in how they answer: the output
// formats they accept.

// checkOutput accepts the two output formats every listing command has.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("--output must be table or json, not %q", output)
	}
	return nil
}
