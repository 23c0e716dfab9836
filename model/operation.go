package model

import "strings"

// operationWords maps the operation strings clients write to the short words
// a person reads. OperationTypeApply covers destroy too: the lock cannot tell
// them apart, so we do not guess.
var operationWords = map[string]string{
	"OperationTypeApply":   "apply",
	"OperationTypePlan":    "plan",
	"OperationTypeRefresh": "refresh",
	// Terraform and OpenTofu lock with OperationTypeInvalid for import and
	// a few other commands that have no operation type of their own.
	"OperationTypeInvalid": "import/other",
}

// OperationWord returns the short, plain word for an operation string:
// "OperationTypeApply" → "apply", "state-rm" → "state rm". Unknown values are
// returned as they are; an empty one as "—".
func OperationWord(op string) string {
	if w, ok := operationWords[op]; ok {
		return w
	}
	if op == "" {
		return "—"
	}
	if rest, ok := strings.CutPrefix(op, "OperationType"); ok && rest != "" {
		return strings.ToLower(rest)
	}
	return strings.ReplaceAll(op, "-", " ")
}
