package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what an item of the lock table is.
type Kind int

const (
	// KindLock is a held lock: LockID plus a LockInfo in Info.
	KindLock Kind = iota
	// KindDigest is a "<path>-md5" item holding the MD5 of the state
	// object. It is not a lock and must never be removed as one.
	KindDigest
	// KindMalformed is anything else; Problem says what is wrong.
	KindMalformed
)

// String returns the kind as lockwarden's JSON output spells it.
func (k Kind) String() string {
	switch k {
	case KindLock:
		return "lock"
	case KindDigest:
		return "digest"
	default:
		return "malformed"
	}
}

// DigestSuffix ends the LockID of every digest item.
const DigestSuffix = "-md5"

// DefaultWorkspaceKeyPrefix is the S3 backend's default workspace_key_prefix.
const DefaultWorkspaceKeyPrefix = "env:"

// DefaultWorkspace is the name clients give the workspace with no prefix.
const DefaultWorkspace = "default"

// IsDigestValue reports whether s is what clients store as Digest: an MD5
// as 32 lowercase hex characters.
func IsDigestValue(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Entry is one classified item of the lock table.
type Entry struct {
	Kind Kind
	// LockID is the item's key; empty when the item has none usable.
	LockID string
	// Bucket, Key and Workspace are derived from LockID (for a digest, from
	// LockID without its -md5 suffix).
	Bucket, Key, Workspace string
	// InfoRaw is Info exactly as stored: later writes are conditioned on
	// these bytes, never on a re-marshalled copy.
	InfoRaw string
	// Info is InfoRaw decoded; set for locks.
	Info LockInfo
	// Digest is the stored MD5 for digest items.
	Digest string
	// Problem says why a malformed item is malformed.
	Problem string
	// Item is the whole item as read (for a lock held only in an S3 lock
	// file, nil).
	Item Item

	// Source says where the lock lives: the DynamoDB table, an S3 lock
	// file, or both.
	Source Source
	// File is the S3 lock file, when there is one.
	File *LockFile
	// Warning flags a lock whose two places disagree.
	Warning string
	// Context is the configured context the entry was read in, when
	// several are watched at once; "" with one.
	Context string
}

// Source is where a lock is held.
type Source int

const (
	// SourceDynamoDB is an item of the lock table.
	SourceDynamoDB Source = iota
	// SourceS3 is a .tflock object in the state bucket.
	SourceS3
	// SourceBoth is the same lock (same ID) in both places.
	SourceBoth
)

// String names the source as list -o json spells it.
func (s Source) String() string {
	switch s {
	case SourceS3:
		return "s3"
	case SourceBoth:
		return "dynamodb+s3"
	default:
		return "dynamodb"
	}
}

// Label is the entry's source in a table column: "ddb", "s3" or "both".
func (e Entry) Label() string {
	switch {
	case e.Kind == KindDigest:
		return "ddb"
	case e.Source == SourceBoth:
		return "both"
	case e.Source == SourceS3:
		return "s3"
	}
	return "ddb"
}

// HasFile reports whether an S3 lock file is part of the lock.
func (s Source) HasFile() bool { return s == SourceS3 || s == SourceBoth }

// HasItem reports whether a lock-table item is part of the lock.
func (s Source) HasItem() bool { return s == SourceDynamoDB || s == SourceBoth }

// LockFile is an S3 lock file (use_lockfile) as read.
type LockFile struct {
	Bucket string `json:"bucket"`
	// Key is the object key: "<state key>.tflock".
	Key  string `json:"key"`
	ETag string `json:"etag"`
	// Body is the object's content exactly as stored.
	Body         string    `json:"body"`
	LastModified time.Time `json:"last_modified"`
}

// Path returns the state path the entry is about, as clients write Path:
// "<bucket>/<state key>".
func (e Entry) Path() string {
	if e.Kind == KindDigest || strings.HasSuffix(e.LockID, DigestSuffix) && e.Kind == KindMalformed {
		return strings.TrimSuffix(e.LockID, DigestSuffix)
	}
	return e.LockID
}

// ShortID is the first 8 characters of the holder's lock ID.
func (e Entry) ShortID() string {
	id := e.Info.ID
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Classify decides what an item is. It never panics and never drops an
// item: whatever it holds, the result is a lock, a digest, or malformed with
// a reason. workspacePrefix is the backend's workspace_key_prefix ("" means
// the default "env:").
func Classify(it Item, workspacePrefix string) Entry {
	e := Entry{Kind: KindMalformed, Item: it}
	id, ok := it["LockID"]
	switch {
	case !ok:
		e.Problem = "no LockID attribute"
		return e
	case id.Type != TypeS:
		e.Problem = fmt.Sprintf("LockID is of type %s, want S", id.Type)
		return e
	case id.S == "":
		e.Problem = "LockID is empty"
		return e
	}
	e.LockID = id.S
	path := strings.TrimSuffix(id.S, DigestSuffix)
	e.Bucket, e.Key = SplitPath(path)
	e.Workspace = WorkspaceOf(e.Key, workspacePrefix)

	info, hasInfo := it["Info"]
	digest, hasDigest := it["Digest"]

	if strings.HasSuffix(id.S, DigestSuffix) {
		switch {
		case hasInfo:
			e.Problem = "Info on a digest (-md5) item"
		case !hasDigest:
			e.Problem = "digest (-md5) item without Digest"
		case digest.Type != TypeS:
			e.Problem = fmt.Sprintf("Digest is of type %s, want S", digest.Type)
		case !IsDigestValue(digest.S):
			e.Problem = fmt.Sprintf("Digest %q is not 32 lowercase hex characters", clip(digest.S, 40))
			e.Digest = digest.S
		default:
			e.Kind = KindDigest
			e.Digest = digest.S
		}
		return e
	}

	switch {
	case !hasInfo && hasDigest:
		e.Problem = "Digest on an item whose LockID does not end in -md5"
		return e
	case !hasInfo:
		e.Problem = "no Info attribute"
		return e
	case info.Type != TypeS:
		e.Problem = fmt.Sprintf("Info is of type %s, want S", info.Type)
		return e
	}
	e.InfoRaw = info.S
	li, err := ParseLockInfo(info.S)
	if err != nil {
		e.Problem = "Info is not LockInfo JSON (" + describeJSONError(err) + ")"
		return e
	}
	e.Info = li
	if li.ID == "" {
		e.Problem = "Info has no ID (clients cannot unlock it)"
		return e
	}
	e.Kind = KindLock
	return e
}

// SplitPath splits "<bucket>/<key>" at the first slash.
func SplitPath(path string) (bucket, key string) {
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// WorkspaceOf returns the workspace a state key belongs to: the segment after
// "<prefix>/", or "default". prefix "" means the backend's default "env:".
func WorkspaceOf(key, prefix string) string {
	if prefix == "" {
		prefix = DefaultWorkspaceKeyPrefix
	}
	rest, ok := strings.CutPrefix(key, prefix+"/")
	if !ok {
		return DefaultWorkspace
	}
	ws, _, found := strings.Cut(rest, "/")
	if !found || ws == "" {
		return DefaultWorkspace
	}
	return ws
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s is a JSON %s", typ.Field, typ.Value)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return "Created is not an RFC 3339 time"
	}
	return err.Error()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
