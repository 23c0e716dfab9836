package model

// Confirmation is what a person must type to confirm a write, and how to
// ask for it: one rule for the CLI's prompt and the UI's dialog.
type Confirmation struct {
	// Want is the text that confirms.
	Want string
	// what names it in the question; shown says whether Want is quoted
	// after it (a short prefix is; a malformed item's whole LockID is not
	// repeated).
	what  string
	shown bool
}

// ConfirmationFor is the typed confirmation of a release of e: the first
// 8 characters of its lock ID, or, for a malformed item (which has none),
// its full LockID.
func ConfirmationFor(e Entry) Confirmation {
	if e.Kind == KindMalformed {
		return Confirmation{Want: e.LockID, what: "its full LockID"}
	}
	return Confirmation{Want: e.ShortID(), what: "the first 8 characters of the lock ID", shown: true}
}

// RepairConfirmation is the typed confirmation of a digest repair: the
// first 8 characters of the digest it writes.
func RepairConfirmation(md5 string) Confirmation {
	return Confirmation{Want: md5[:min(8, len(md5))], what: "the first 8 characters of the new digest", shown: true}
}

// Ask names what to type, for "Type … to confirm": "the first 8
// characters of the lock ID (8d1f6c0e)". show makes Want safe to print.
func (c Confirmation) Ask(show func(string) string) string {
	if !c.shown {
		return c.what
	}
	return c.what + " (" + show(c.Want) + ")"
}
