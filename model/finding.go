package model

// Severity is how bad a finding is: audit verify's and doctor's.
type Severity int

// Severities, from none to the worst.
const (
	Fine Severity = iota
	Warning
	Unsafe
)

// Mark is the severity's sign on a finding's line: ✓, ⚠ or ✗.
func (v Severity) Mark() string { return [...]string{"✓", "⚠", "✗"}[v] }

// String is the severity in JSON: ok, warn or fail.
func (v Severity) String() string { return [...]string{"ok", "warn", "fail"}[v] }

// Finding is one check's verdict: what was checked, how bad, why in one
// line, and the fix (a command, a config or a policy) when there is one.
type Finding struct {
	Check    string
	Severity Severity
	Why      string
	Fix      string
}

// Worst is the worst severity among findings (Fine for none).
func Worst(findings []Finding) Severity {
	w := Fine
	for _, f := range findings {
		w = max(w, f.Severity)
	}
	return w
}
