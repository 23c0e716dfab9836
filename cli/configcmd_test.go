package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// config add in a working directory writes a context that then reaches
// the same locks; run again it refuses, the file unchanged.
func TestConfigAddFromAWorkingDirectory(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	state := tfWorkdir(t, sb.DynamoURL, sb.S3URL)
	cfg := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "lockwarden", "config.yaml")
	out, errOut, code := runAt(t, "", false, "config", "add")
	if code != 0 || !strings.Contains(out, "  tfstate-team-app:") || !strings.Contains(out, "lockwarden --context tfstate-team-app") ||
		!strings.Contains(errOut, "access_key and secret_key are not copied") {
		t.Fatalf("config add: exit %d %s\n%s", code, errOut, out)
	}
	written, err := os.ReadFile(cfg)
	if err != nil || strings.Contains(string(written), "sandbox") {
		t.Fatalf("the file: %v\n%s", err, written)
	}
	if st, _ := os.Stat(cfg); st.Mode().Perm() != 0o644 {
		t.Errorf("the file's mode changed to %v", st.Mode().Perm()) // useConfig wrote it 0644
	}
	if _, errOut, code := runAt(t, "", false, "config", "add"); code != ExitUsage || !strings.Contains(errOut, "already has a context tfstate-team-app") {
		t.Errorf("again: exit %d %q", code, errOut)
	}
	if again, _ := os.ReadFile(cfg); string(again) != string(written) {
		t.Error("a refused add changed the file")
	}
	li := sandbox.NewInfo(state, "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-2*time.Minute))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv("AWS_ACCESS_KEY_ID", "sandbox")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
	if out, errOut, code := runAt(t, "", false, "status", "s3://"+state, "--context", "tfstate-team-app"); code != ExitLocked || !strings.Contains(out, "held by:    ci@runner-7") {
		t.Errorf("the context added: exit %d %s\n%s", code, errOut, out)
	}
}

// config discover finds the tables whose only key is LockID, a string:
// not one keyed otherwise, nor one whose LockID is a number.
func TestConfigDiscover(t *testing.T) {
	url := testenv.Dynalite(t)
	useConfig(t, "")
	c := testenv.DynamoClient(url)
	testenv.CreateLockTable(t, c, "terraform-locks")
	for name, key := range map[string]types.ScalarAttributeType{"numbered-locks": types.ScalarAttributeTypeN} {
		if _, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: sdkaws.String(name), BillingMode: types.BillingModePayPerRequest,
			KeySchema:            []types.KeySchemaElement{{AttributeName: sdkaws.String("LockID"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: sdkaws.String("LockID"), AttributeType: key}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: sdkaws.String("orders"), BillingMode: types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: sdkaws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: sdkaws.String("id"), AttributeType: types.ScalarAttributeTypeS}}}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAt(t, "", false, "config", "discover", "--endpoint-url", url, "--region", "us-east-1")
	if code != 0 || !strings.Contains(out, "  terraform-locks\n    lockwarden config add --name terraform-locks --table terraform-locks --region us-east-1 --endpoint-url "+url) ||
		strings.Contains(out, "numbered-locks") || strings.Contains(out, "orders") {
		t.Errorf("discover: exit %d %s\n%s", code, errOut, out)
	}
}
