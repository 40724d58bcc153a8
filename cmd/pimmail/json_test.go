package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/report"
	"github.com/pimmail/pimmail/sandbox"
)

// decodeStatus parses a --json output strictly: stdout is one object of
// the documented schema and nothing else.
func decodeStatus(t *testing.T, r result) report.Status {
	t.Helper()
	var doc report.Status
	dec := json.NewDecoder(bytesReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not the JSON schema: %v\n%v", err, r)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%v", r)
	}
	if doc.Schema != 1 {
		t.Errorf("schema = %d, want 1", doc.Schema)
	}
	return doc
}

// A monitoring script reads status and test as JSON: the provider, the
// token's health and claims, the last test, and on failure the diagnosis
// code and fix, with the exit codes of the text output.
func TestStatusAndTestJSON(t *testing.T) {
	// An access token under MSAL's refresh margin, so a status with the
	// refresh-revoked scenario asks Entra and meets the revoked sign-in.
	path := sandboxConfigOpts(t, config.ProviderEntra, func(o *sandbox.Options) { o.AccessTokenLifetime = time.Minute }, nil)

	// First: the saved access token is under the refresh margin only once.
	r := pimmail(t, "status", "--json", "--config", path, "--scenario", "refresh-revoked")
	doc := decodeStatus(t, r)
	noSecrets(t, r)
	if r.code != 1 || doc.OK || doc.Problem == nil {
		t.Fatalf("a revoked sign-in: exit %d, %+v", r.code, doc)
	}
	if doc.Problem.Code != "entra.grant-revoked" || doc.Problem.Fix == "" || doc.Problem.TraceID == "" {
		t.Errorf("problem: %+v", doc.Problem)
	}

	r = pimmail(t, "status", "--json", "--config", path)
	doc = decodeStatus(t, r)
	noSecrets(t, r)
	if r.code != 0 || !doc.OK || doc.Command != "status" || doc.Provider != "entra-smtp-client" || doc.Mailbox != sandbox.DefaultMailbox {
		t.Fatalf("status --json: %+v\n%v", doc, r)
	}
	if doc.Token == nil || !doc.Token.OK || doc.Token.ExpiresAt == nil || doc.Token.Claims == nil {
		t.Fatalf("token health missing: %+v", doc.Token)
	}
	if !slices.Contains(doc.Token.Claims.Scopes, "SMTP.Send") || doc.Token.Claims.TenantID != sandbox.DefaultTenantID {
		t.Errorf("claims: %+v", doc.Token.Claims)
	}
	if doc.LastTest != nil || doc.MailPath == nil || doc.MailPath.Spool {
		t.Errorf("before any test or mail: last_test %+v, mail_path %+v", doc.LastTest, doc.MailPath)
	}

	r = pimmail(t, "test", "--json", "--config", path)
	tdoc := decodeStatus(t, r)
	noSecrets(t, r)
	if r.code != 0 || !tdoc.OK || tdoc.LastTest == nil || !tdoc.LastTest.OK || tdoc.LastTest.Reply == "" {
		t.Fatalf("test --json: %+v\n%v", tdoc, r)
	}
	doc = decodeStatus(t, pimmail(t, "status", "--json", "--config", path))
	if doc.LastTest == nil || doc.LastTest.MessageID != tdoc.LastTest.MessageID {
		t.Errorf("status does not show the last test: %+v", doc.LastTest)
	}

	r = pimmail(t, "test", "--json", "--config", path, "--scenario", "smtp-auth-disabled-mailbox")
	tdoc = decodeStatus(t, r)
	noSecrets(t, r)
	if r.code != 1 || tdoc.OK || tdoc.Problem == nil || tdoc.Problem.Fix == "" || tdoc.LastTest == nil || tdoc.LastTest.OK {
		t.Fatalf("a refused test: %+v\n%v", tdoc, r)
	}
}

func bytesReader(s string) *strings.Reader { return strings.NewReader(s) }
