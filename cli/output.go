package cli

// This file holds what the commands share in how they answer: the output
// formats they accept and the plural of a counted word.

// checkOutput accepts the two output formats every listing command has.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("--output must be table or json, not %q", output)
	}
	return nil
}

// plural is the "s" that n adds to a counted English noun.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// plural1 chooses between a word's two forms by n.
func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
