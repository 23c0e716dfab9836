package config

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/lockwarden/lockwarden/sanitize"
	"go.yaml.in/yaml/v3"
)

// This file keeps the config fail-closed: a key lockwarden does not know,
// a boolean it cannot read for sure, or a LOCKWARDEN_* variable it would
// ignore is an error, never a silent default. An operator who wrote
// read_only: true believes the context is read-only; lockwarden must not
// quietly disagree.

// contextKeys are the keys a context (or the top of the file) may hold.
var contextKeys = []string{
	"profile", "region", "table", "endpoint", "s3_endpoint", "buckets", "stale_after",
	"poll_interval", "s3_poll_interval", "max_read_share", "max_read_units_per_hour", "segments", "workspace_key_prefix", "readonly", "audit_file", "require_reason", "reap",
	"audit", "audit_region", "audit_profile", "audit_endpoint", "audit_retention", "audit_retention_mode",
}

// reapKeys are the keys a reap: block may hold.
var reapKeys = []string{"older_than", "operations", "require_no_state_write", "max_per_run"}

// contextOnlyKeys are the keys only a context may hold: they mark its
// rows among others'.
var contextOnlyKeys = []string{"label", "color"}

// topKeys are the keys only the top of the file may hold.
var topKeys = []string{"context", "contexts"}

// envSettings are the LOCKWARDEN_* variables that set something; the
// names are the flags'.
var envSettings = []string{
	"config", "context", "profile", "region", "table", "endpoint-url", "s3-endpoint-url",
	"stale-after", "poll-interval", "s3-poll-interval", "segments", "readonly", "write", "audit-file", "audit", "all-contexts", "no-workdir",
}

// envHarness are LOCKWARDEN_* variables read by the test harness and the
// Makefile, not by lockwarden: they are known, so not an error.
var envHarness = []string{"REQUIRE_INTEGRATION", "TERRAFORM", "TERRAFORM_LOCKFILE", "DYNALITE", "MINIO", "VERSITYGW", "NFPM", "FREEZE", "UPDATE_SCREENSHOTS"}

// checkKeys reads the file's YAML as written — case kept, which viper
// does not — and refuses any key lockwarden does not know, naming the
// nearest known one. It returns the context names as written.
func checkKeys(path string, raw []byte) ([]string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, usagef("config file %s: %v", path, sanitize.OneLine(err.Error()))
	}
	top := append(slices.Clone(contextKeys), topKeys...)
	for key := range doc {
		if slices.Contains(contextOnlyKeys, key) {
			return nil, usagef("config file %s: %q marks one context's rows: set it inside a context, not at the top of the file", path, key)
		}
		if !slices.Contains(top, key) {
			return nil, unknownKey(path, "", key, top)
		}
	}
	if err := checkReapKeys(path, "", doc["reap"]); err != nil {
		return nil, err
	}
	if err := checkBools(path, raw); err != nil {
		return nil, err
	}
	ctxs, ok := doc["contexts"]
	if !ok || ctxs == nil {
		return nil, nil
	}
	m, ok := ctxs.(map[string]any)
	if !ok {
		return nil, usagef("config file %s: contexts must be a map of context names to their settings", path)
	}
	var names []string
	for name, body := range m {
		if err := checkContextName(path, name); err != nil {
			return nil, err
		}
		names = append(names, name)
		if body == nil {
			continue
		}
		keys, ok := body.(map[string]any)
		if !ok {
			return nil, usagef("config file %s: context %q must be a map of settings", path, name)
		}
		inContext := append(slices.Clone(contextKeys), contextOnlyKeys...)
		for key := range keys {
			if !slices.Contains(inContext, key) {
				hint := inContext
				if slices.Contains(topKeys, key) {
					return nil, usagef("config file %s: %q is not allowed inside context %q: it belongs at the top of the file", path, key, name)
				}
				return nil, unknownKey(path, name, key, hint)
			}
		}
		if err := checkReapKeys(path, name, keys["reap"]); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		if strings.EqualFold(names[i-1], names[i]) {
			return nil, usagef("config file %s: contexts %q and %q differ only in case: rename one", path, names[i-1], names[i])
		}
	}
	return names, nil
}

// checkContextName refuses a context name that cannot be told from "no
// context" or from a list of contexts: empty or blank ("" is what the
// loader means by none, so a context named "" would be used without its
// own readonly), with a comma (--context a,b names two), or with spaces
// around it (trimmed when given on the command line).
func checkContextName(path, name string) error {
	why := ""
	switch {
	case strings.TrimSpace(name) == "":
		why = "is empty or blank"
	case strings.Contains(name, ","):
		why = "holds a comma, which separates contexts in --context a,b"
	case strings.TrimSpace(name) != name:
		why = "begins or ends with white space"
	}
	if why == "" {
		return nil
	}
	return usagef("config file %s: context name %q %s: rename it", path, name, why)
}

// boolKeys are the keys whose values are booleans, and reapBoolKeys
// those of a reap: block.
var (
	boolKeys     = []string{"readonly", "require_reason"}
	reapBoolKeys = []string{"require_no_state_write"}
)

// checkBools reads every boolean of the file as written, before YAML turns
// it into a number: 0x0, 00, +0, 0.0 and 1e0 decode to 0 or 1 and would
// pass for false or true. A boolean is true or false in any case, or the
// digits 1 or 0 (quoted or not); anything else is refused, naming the key.
func checkBools(path string, raw []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil || len(doc.Content) == 0 {
		return nil // checkKeys says what is wrong with the file
	}
	check := func(where string, m *yaml.Node, keys []string) error {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			key, val := m.Content[i].Value, m.Content[i+1]
			if !slices.Contains(keys, key) {
				continue
			}
			if val.Kind == yaml.ScalarNode {
				if _, err := ParseBool(val.Value); err == nil && (val.Tag == "!!bool" || val.Tag == "!!str" || val.Value == "0" || val.Value == "1") {
					continue
				}
			}
			return usagef("config file %s: %s%s: %q is not a boolean: write true or false (or 1 or 0)", path, where, key, val.Value)
		}
		return nil
	}
	child := func(m *yaml.Node, key string) *yaml.Node {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i+1]
			}
		}
		return nil
	}
	top := doc.Content[0]
	if err := check("", top, boolKeys); err != nil {
		return err
	}
	if err := check("reap: ", child(top, "reap"), reapBoolKeys); err != nil {
		return err
	}
	if ctxs := child(top, "contexts"); ctxs != nil && ctxs.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ctxs.Content); i += 2 {
			where := "context " + ctxs.Content[i].Value + ": "
			if err := check(where, ctxs.Content[i+1], boolKeys); err != nil {
				return err
			}
			if err := check(where+"reap: ", child(ctxs.Content[i+1], "reap"), reapBoolKeys); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkReapKeys refuses a reap: block that is not a map of known keys:
// olderthan instead of older_than must not leave a reaper with no
// threshold, nor max_per_ru with no bound.
func checkReapKeys(path, ctx string, block any) error {
	if block == nil {
		return nil
	}
	where := "at the top"
	if ctx != "" {
		where = fmt.Sprintf("in context %q", ctx)
	}
	keys, ok := block.(map[string]any)
	if !ok {
		return usagef("config file %s: reap %s must be a map of older_than, operations, require_no_state_write and max_per_run", path, where)
	}
	for key, val := range keys {
		if !slices.Contains(reapKeys, key) {
			return usagef("config file %s: unknown key %q in reap %s (did you mean %q?); lockwarden refuses to guess what it means", path, key, where, nearest(key, reapKeys))
		}
		// The decoder would split a string into a list and cut 2.5 to 2:
		// the types are checked here, on the YAML as written.
		bad := ""
		switch key {
		case "older_than":
			if _, ok := val.(string); !ok {
				bad = "a duration such as 90m, 2h or 3d4h"
			}
		case "operations":
			list, ok := val.([]any)
			for _, v := range list {
				if _, isString := v.(string); !isString {
					ok = false
				}
			}
			if !ok {
				bad = "a list of operations, as in [plan, refresh]"
			}
		case "max_per_run":
			if _, ok := val.(int); !ok {
				bad = "a whole number"
			}
		}
		if bad != "" {
			return usagef("config file %s: reap %s: %s must be %s, not %q", path, where, key, bad, fmt.Sprint(val))
		}
	}
	return nil
}

func unknownKey(path, ctx, key string, known []string) error {
	where := "at the top"
	if ctx != "" {
		where = fmt.Sprintf("in context %q", ctx)
	}
	return usagef("config file %s: unknown key %q %s (did you mean %q?); lockwarden refuses to guess what it means", path, key, where, nearest(key, known))
}

// checkEnv refuses a LOCKWARDEN_* variable that lockwarden would ignore:
// LOCKWARDEN_READ_ONLY=true must not leave a run writable.
func checkEnv() error {
	var known []string
	for _, name := range envSettings {
		known = append(known, EnvName(name))
	}
	for _, h := range envHarness {
		known = append(known, EnvPrefix+"_"+h)
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix+"_") && !slices.Contains(known, name) {
			return usagef("unknown environment variable %s (did you mean %s?); unset it: lockwarden refuses to guess what it means", name, nearest(name, known))
		}
	}
	return nil
}

// EnvName is the LOCKWARDEN_* variable of a flag.
func EnvName(flag string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// nearest returns the known key closest to key: the same letters once
// case, "_" and "-" are ignored (read_only, readOnly), else the smallest
// edit distance (tabel).
func nearest(key string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", -1
	for _, k := range known {
		d := editDistance(norm(key), norm(k))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the edit distance between a and b, by rune, counting a
// swap of two neighbours as one edit (optimal string alignment): "tabel"
// is one typo from "table", as from "label", and the earlier key wins.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Keys are every key the config file may hold, anywhere, sorted.
func Keys() []string {
	out := slices.Concat(contextKeys, contextOnlyKeys, topKeys, reapKeys)
	slices.Sort(out)
	return slices.Compact(out)
}
