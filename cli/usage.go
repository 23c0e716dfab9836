package cli

import "github.com/lockwarden/lockwarden/config"

// usageError marks a mistake in how lockwarden was called (exit code 2);
// the config package's refusals are of the same type.
type usageError = config.UsageError

func usagef(format string, a ...any) error { return config.Usagef(format, a...) }
