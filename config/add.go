package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file adds a context to a config file as a person would: appended
// under contexts:, the file's comments and order kept, never over a
// context already there, and only if the result loads as strictly as any
// config does.

// NewContext is a context to add: its settings, in the config's keys.
type NewContext struct {
	Profile, Region, Table, Endpoint, S3Endpoint string
	Buckets                                      []string
	WorkspaceKeyPrefix                           string
}

// node is the context as YAML, its keys in the order a person reads them.
func (c NewContext) node() *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k, v string) {
		if v != "" {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
	}
	add("profile", c.Profile)
	add("region", c.Region)
	add("table", c.Table)
	add("endpoint", c.Endpoint)
	if len(c.Buckets) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, b := range c.Buckets {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: b})
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "buckets"}, seq)
	}
	add("s3_endpoint", c.S3Endpoint)
	add("workspace_key_prefix", c.WorkspaceKeyPrefix)
	return m
}

// YAML is the context as it is added, under its name.
func (c NewContext) YAML(name string) string {
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: name}, c.node()}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	_ = enc.Encode(doc)
	return b.String()
}

// ContextName makes a context's name from a state: its bucket and key,
// without the file name, in characters a name may hold
// (tfstate/team/app/terraform.tfstate is tfstate-team-app).
func ContextName(bucket, key string) string {
	key = strings.TrimSuffix(strings.TrimSuffix(key, ".tfstate"), "/terraform")
	name := strings.Trim(unnamed.ReplaceAllString(strings.ToLower(bucket+"-"+key), "-"), "-")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	return name
}

var unnamed = regexp.MustCompile(`[^a-z0-9._-]+`)

// AddContext returns the config file raw with context name appended under
// contexts:. It refuses a name already there (in any case), or one the
// config would refuse; path names the file in messages.
func AddContext(path string, raw []byte, name string, c NewContext) ([]byte, error) {
	if err := checkContextName(path, name); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, usagef("config file %s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, usagef("config file %s is not a map of settings", path)
	}
	ctxs := childNode(top, "contexts")
	if ctxs == nil || ctxs.Kind == yaml.ScalarNode && ctxs.Tag == "!!null" {
		if ctxs == nil {
			ctxs = &yaml.Node{Kind: yaml.MappingNode}
			top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "contexts"}, ctxs)
		} else {
			*ctxs = yaml.Node{Kind: yaml.MappingNode}
		}
	}
	if ctxs.Kind != yaml.MappingNode {
		return nil, usagef("config file %s: contexts must be a map of context names to their settings", path)
	}
	for i := 0; i+1 < len(ctxs.Content); i += 2 {
		if strings.EqualFold(ctxs.Content[i].Value, name) {
			return nil, usagef("config file %s already has a context %s: nothing added (give --name another name, or edit the file)", path, ctxs.Content[i].Value)
		}
	}
	ctxs.Content = append(ctxs.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, c.node())
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := b.Bytes()
	// The result must load as any config does, with the new context.
	_, contexts, _, err := decodeConfig(path, out)
	if err != nil {
		return nil, err
	}
	if _, ok := contexts[name]; !ok {
		return nil, usagef("config file %s: context %s was not added as written", path, name)
	}
	return out, nil
}

// childNode is the value of key in a mapping node, nil when absent.
func childNode(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
