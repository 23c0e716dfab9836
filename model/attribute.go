package model

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Attribute type names, as DynamoDB spells them.
const (
	TypeS    = "S"
	TypeN    = "N"
	TypeB    = "B"
	TypeBOOL = "BOOL"
	TypeNULL = "NULL"
	TypeSS   = "SS"
	TypeNS   = "NS"
	TypeBS   = "BS"
	TypeL    = "L"
	TypeM    = "M"
)

// Attribute is one DynamoDB attribute value, kept SDK-free so that the domain
// does not depend on the AWS SDK. Only the field matching Type is set.
type Attribute struct {
	Type string
	// S holds the value of S and N attributes (numbers stay strings, as on
	// the wire).
	S    string
	B    []byte
	BOOL bool
	// Set holds SS and NS members.
	Set []string
	// BS holds binary-set members.
	BS [][]byte
	L  []Attribute
	M  map[string]Attribute
}

// String returns an S attribute holding s.
func String(s string) Attribute { return Attribute{Type: TypeS, S: s} }

// Item is a whole DynamoDB item: attribute name → value.
type Item map[string]Attribute

// MarshalJSON writes the attribute in DynamoDB JSON: {"S":"…"}.
func (a Attribute) MarshalJSON() ([]byte, error) {
	var v any
	switch a.Type {
	case TypeS, TypeN:
		v = a.S
	case TypeB:
		v = a.B
	case TypeBOOL:
		v = a.BOOL
	case TypeNULL:
		v = true
	case TypeSS, TypeNS:
		v = a.Set
	case TypeBS:
		v = a.BS
	case TypeL:
		v = a.L
	case TypeM:
		v = a.M
	default:
		v = nil
	}
	return json.Marshal(map[string]any{a.Type: v})
}

// Names returns the item's attribute names, sorted.
func (it Item) Names() []string {
	names := make([]string, 0, len(it))
	for n := range it {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// JSON returns the item in DynamoDB JSON, the form `aws dynamodb scan`
// prints, with attribute names sorted.
func (it Item) JSON() string {
	b, err := json.Marshal(map[string]Attribute(it))
	if err != nil {
		return `{"error":"item cannot be shown as JSON"}`
	}
	return string(b)
}

// UnmarshalJSON reads an attribute in DynamoDB JSON: {"S":"…"}.
func (a *Attribute) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 1 {
		return fmt.Errorf("attribute value must have exactly one type, has %d", len(raw))
	}
	for typ, v := range raw {
		*a = Attribute{Type: typ}
		var err error
		switch typ {
		case TypeS, TypeN:
			err = json.Unmarshal(v, &a.S)
		case TypeB:
			err = json.Unmarshal(v, &a.B)
		case TypeBOOL:
			err = json.Unmarshal(v, &a.BOOL)
		case TypeNULL:
		case TypeSS, TypeNS:
			err = json.Unmarshal(v, &a.Set)
		case TypeBS:
			err = json.Unmarshal(v, &a.BS)
		case TypeL:
			err = json.Unmarshal(v, &a.L)
		case TypeM:
			err = json.Unmarshal(v, &a.M)
		default:
			return fmt.Errorf("unknown attribute type %q", typ)
		}
		if err != nil {
			return fmt.Errorf("attribute of type %s: %w", typ, err)
		}
	}
	return nil
}
