package aws

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/model"
)

// This file converts between the SDK's DynamoDB attribute values and
// model's SDK-free Item and Attribute, both ways: reads type what a scan
// returns, writes put an item back exactly as it was read.

// itemFromSDK converts an SDK item to the SDK-free model form.
func itemFromSDK(raw map[string]types.AttributeValue) model.Item {
	it := make(model.Item, len(raw))
	for k, v := range raw {
		it[k] = attrFromSDK(v)
	}
	return it
}

// attrFromSDK converts one SDK attribute value, lists and maps deeply.
func attrFromSDK(v types.AttributeValue) model.Attribute {
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		return model.Attribute{Type: model.TypeS, S: a.Value}
	case *types.AttributeValueMemberN:
		return model.Attribute{Type: model.TypeN, S: a.Value}
	case *types.AttributeValueMemberB:
		return model.Attribute{Type: model.TypeB, B: a.Value}
	case *types.AttributeValueMemberBOOL:
		return model.Attribute{Type: model.TypeBOOL, BOOL: a.Value}
	case *types.AttributeValueMemberNULL:
		return model.Attribute{Type: model.TypeNULL}
	case *types.AttributeValueMemberSS:
		return model.Attribute{Type: model.TypeSS, Set: a.Value}
	case *types.AttributeValueMemberNS:
		return model.Attribute{Type: model.TypeNS, Set: a.Value}
	case *types.AttributeValueMemberBS:
		return model.Attribute{Type: model.TypeBS, BS: a.Value}
	case *types.AttributeValueMemberL:
		l := make([]model.Attribute, len(a.Value))
		for i, x := range a.Value {
			l[i] = attrFromSDK(x)
		}
		return model.Attribute{Type: model.TypeL, L: l}
	case *types.AttributeValueMemberM:
		m := make(map[string]model.Attribute, len(a.Value))
		for k, x := range a.Value {
			m[k] = attrFromSDK(x)
		}
		return model.Attribute{Type: model.TypeM, M: m}
	default:
		return model.Attribute{Type: fmt.Sprintf("unknown(%T)", v)}
	}
}

// AttrToSDK converts a model attribute back to the SDK form, for writes
// that must put an item back exactly as it was.
func AttrToSDK(a model.Attribute) types.AttributeValue {
	switch a.Type {
	case model.TypeS:
		return &types.AttributeValueMemberS{Value: a.S}
	case model.TypeN:
		return &types.AttributeValueMemberN{Value: a.S}
	case model.TypeB:
		return &types.AttributeValueMemberB{Value: a.B}
	case model.TypeBOOL:
		return &types.AttributeValueMemberBOOL{Value: a.BOOL}
	case model.TypeNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case model.TypeSS:
		return &types.AttributeValueMemberSS{Value: a.Set}
	case model.TypeNS:
		return &types.AttributeValueMemberNS{Value: a.Set}
	case model.TypeBS:
		return &types.AttributeValueMemberBS{Value: a.BS}
	case model.TypeL:
		l := make([]types.AttributeValue, len(a.L))
		for i, x := range a.L {
			l[i] = AttrToSDK(x)
		}
		return &types.AttributeValueMemberL{Value: l}
	default:
		m := make(map[string]types.AttributeValue, len(a.M))
		for k, x := range a.M {
			m[k] = AttrToSDK(x)
		}
		return &types.AttributeValueMemberM{Value: m}
	}
}
