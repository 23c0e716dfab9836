package model

// How many reads lockwarden runs at once: bounded so that a fleet, or a
// table of digests, never floods an account's API — the same in every
// command.
const (
	// ContextReads is how many contexts of a fleet are read at once: by
	// the UI, list, the reaper, and the exporter by default.
	ContextReads = 4
	// DigestChecks is how many digests are checked against their state
	// objects at once.
	DigestChecks = 8
)
