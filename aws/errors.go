package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// UserError is an error whose message is written for the person at the
// terminal: one line, saying what went wrong and what to do next.
type UserError struct {
	Msg string
	// Err is the underlying cause, kept for logs and errors.Is/As.
	Err error
}

func (e *UserError) Error() string { return e.Msg }
func (e *UserError) Unwrap() error { return e.Err }

// Op describes the call that failed, so the message can name it.
type Op struct {
	// Action is the IAM action, e.g. "dynamodb:Scan".
	Action   string
	Table    string
	Region   string
	Endpoint string
}

func (op Op) where() string {
	s := fmt.Sprintf("table %q in region %s", op.Table, op.Region)
	if op.Endpoint != "" {
		s += " at " + op.Endpoint
	}
	return s
}

// Explain turns an SDK error into a UserError. Errors it does not recognise
// keep the SDK's text, prefixed with the action and table.
func Explain(err error, op Op) error {
	if err == nil {
		return nil
	}
	var ue *UserError
	if errors.As(err, &ue) {
		return err
	}
	wrap := func(format string, a ...any) error {
		return &UserError{Msg: fmt.Sprintf(format, a...), Err: err}
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return wrap("%s not found: check --table and --region (or the context's table and region)", op.where())
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		switch code {
		case "AccessDeniedException", "AccessDenied":
			return wrap("access denied: %s on %s is not allowed for these credentials (%s)", op.Action, op.where(), firstLine(api.ErrorMessage()))
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch":
			return wrap("AWS rejected the credentials (%s): check the profile or the access key in use", code)
		case "ExpiredTokenException", "ExpiredToken":
			return wrap("the AWS session has expired: log in again (for SSO: aws sso login --profile …)")
		}
		if isThrottle(code) {
			// Fewer segments only helps a scan; a throttled write is
			// simply tried again later.
			advice := "try again in a minute"
			if op.Action == "dynamodb:Scan" {
				advice += ", or scan with fewer --segments"
			}
			var maxErr *retry.MaxAttemptsError
			if errors.As(err, &maxErr) {
				return wrap("DynamoDB throttled %s on %s and %d attempts did not get through: %s", op.Action, op.where(), maxErr.Attempt, advice)
			}
			return wrap("DynamoDB throttled %s on %s: %s", op.Action, op.where(), advice)
		}
		var status interface{ HTTPStatusCode() int }
		if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
			// The service's fault, retried already: say so, and that
			// waiting is the remedy, not changing anything.
			return wrap("%s on %s failed on the server side%s: %s: %s; try again in a minute", op.Action, op.where(), attempts(err), code, firstLine(api.ErrorMessage()))
		}
		return wrap("%s on %s: %s: %s", op.Action, op.where(), code, firstLine(api.ErrorMessage()))
	}
	if isCredentialsError(err) {
		return wrap("no AWS credentials found: pass --profile (or set AWS_PROFILE), run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if isUnreachable(err) {
		endpoint := op.Endpoint
		if endpoint == "" {
			endpoint = "the DynamoDB endpoint of " + op.Region
		}
		return wrap("cannot reach %s: %s (check the endpoint: --endpoint-url, or endpoint in the context; the network; a proxy)", endpoint, netReason(err))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return wrap("%s on %s timed out: no answer%s (check the endpoint, the network or a proxy)", op.Action, op.where(), attempts(err))
	}
	if errors.Is(err, context.Canceled) {
		return wrap("%s on %s was cancelled", op.Action, op.where())
	}
	return wrap("%s on %s: %s", op.Action, op.where(), firstLine(err.Error()))
}

// attempts says how many attempts the SDK made, when it gave up after
// retrying: " after 5 attempts", else "".
func attempts(err error) string {
	var maxErr *retry.MaxAttemptsError
	if errors.As(err, &maxErr) && maxErr.Attempt > 1 {
		return fmt.Sprintf(" after %d attempts", maxErr.Attempt)
	}
	return ""
}

func isThrottle(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "Throttling", "SlowDown", "ThrottledException":
		return true
	}
	return false
}

// isCredentialsError recognises the SDK's failure to find any credentials.
// The SDK has no exported type for it, only the wording.
func isCredentialsError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"failed to retrieve credentials", "failed to refresh cached credentials", "get credentials", "no EC2 IMDS role found", "anonymous credentials"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func isUnreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED) || droppedConnection(err)
}

// droppedConnection recognises a connection closed under a request: reset
// by the peer, closed while the request was being written (broken pipe),
// or closed before an answer came.
func droppedConnection(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func netReason(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	case droppedConnection(err):
		// The socket addresses and read/write say nothing to a person.
		return "the connection was dropped before an answer came"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve " + dns.Name
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
