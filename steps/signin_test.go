package steps_test

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// entraDraft is the Entra settings of the sandbox app, before step 4.
func entraDraft(t *testing.T, h *steps.Hints) config.Config {
	t.Helper()
	c := config.Default()
	c.Sandbox = true
	c.Entra.TenantID, c.Entra.ClientID = h.TenantID, h.ClientID
	c.Entra.ClientSecret = secret.New(h.ClientSecret)
	c.Entra.SmartHost, c.Entra.Port = h.SmartHost, h.SmartPort
	return c
}

func TestAuthCodeSignInThenSaveTestAndToken(t *testing.T) {
	sb := startSandbox(t, "", "public-client-disabled")
	path := configPath(t)
	run, _ := steps.Open(sandboxEnv(sb, path))
	c := entraDraft(t, hints(sb))
	a, err := run.StartAuthCode(ctx(t), c.Entra, 0)
	if err != nil {
		t.Fatalf("StartAuthCode: %v", err)
	}
	defer a.Close()
	if !strings.HasPrefix(a.RedirectURI, "http://localhost:") {
		t.Fatalf("redirect %s", a.RedirectURI)
	}
	landed, err := sb.SignInBrowser(ctx(t), a.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	in, err := run.RedeemAuthCode(ctx(t), a, landed)
	if err != nil {
		t.Fatalf("RedeemAuthCode: %v", err)
	}
	c.Entra.Mailbox, c.Entra.Method = in.Mailbox, config.MethodAuthCode
	if _, err := run.Save(c, config.ProviderEntra, false); err != nil {
		t.Fatalf("Save: %v", err)
	}
	// A later command (pimmail test) reads the file and the cache.
	run2, start := steps.Open(sandboxEnv(sb, path))
	if start.Config.Entra.Method != config.MethodAuthCode {
		t.Fatalf("saved method %q", start.Config.Entra.Method)
	}
	res, err := run2.SendTest(ctx(t), config.ProviderEntra, start.Config, "")
	if err != nil {
		t.Fatalf("SendTest (auth code): %v", err)
	}
	if !strings.HasPrefix(res.Reply, "250") || len(messagesFrom(sb, "exchange")) != 1 {
		t.Fatalf("reply %q, messages %d", res.Reply, len(messagesFrom(sb, "exchange")))
	}
	if _, err := run2.CheckToken(ctx(t), start.Config); err != nil {
		t.Fatalf("CheckToken: %v", err)
	}
}

func TestAppOnlyCheckAndTestSend(t *testing.T) {
	sb := startSandbox(t, "", "device-code-blocked")
	run, _ := steps.Open(sandboxEnv(sb, configPath(t)))
	c := entraDraft(t, hints(sb))
	c.Entra.Mailbox = sandbox.DefaultMailbox
	res, err := run.CheckAppOnly(ctx(t), c)
	if err != nil {
		t.Fatalf("CheckAppOnly: %v", err)
	}
	sp := sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID)
	if res.ServicePrincipalID != sp || !strings.HasPrefix(res.Reply, "235 ") {
		t.Fatalf("sp %s reply %q", res.ServicePrincipalID, res.Reply)
	}
	if len(res.Commands) != 2 || !strings.Contains(res.Commands[0], "-ObjectId '"+sp+"'") ||
		!strings.Contains(res.Commands[1], "-Identity '"+sandbox.DefaultMailbox+"' -User '"+sp+"' -AccessRights FullAccess") {
		t.Fatalf("commands: %q", res.Commands)
	}
	if len(messagesFrom(sb, "exchange")) != 0 {
		t.Fatal("the app-only check sent mail")
	}
	c.Entra.Method = config.MethodAppOnly
	if _, err := run.SendTest(ctx(t), config.ProviderEntra, c, ""); err != nil {
		t.Fatalf("SendTest (app-only): %v", err)
	}
	if got := messagesFrom(sb, "exchange"); len(got) != 1 || got[0].AuthUser != sandbox.DefaultMailbox {
		t.Fatalf("messages: %+v", got)
	}
}

func TestAppOnlyFailures(t *testing.T) {
	sp := sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID)
	for _, tc := range []struct {
		scenario string
		want     diagnose.Code
	}{
		{"app-not-registered-in-exchange", diagnose.AppExchangeSetup},
		{"app-no-mailbox-permission", diagnose.AppExchangeSetup},
		{"app-permission-missing", diagnose.AppRoleMissing},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sb := startSandbox(t, "", tc.scenario)
			run, _ := steps.Open(sandboxEnv(sb, configPath(t)))
			c := entraDraft(t, hints(sb))
			c.Entra.Mailbox = sandbox.DefaultMailbox
			c.Email.From = "alerts@" + sandbox.DefaultTenantDomain
			_, err := run.CheckAppOnly(ctx(t), c)
			p := problemCode(t, err, tc.want)
			if tc.want == diagnose.AppExchangeSetup {
				for _, want := range []string{"`New-ServicePrincipal -AppId '" + sandbox.DefaultClientID + "' -ObjectId '" + sp + "'",
					"`Add-MailboxPermission -Identity '" + sandbox.DefaultMailbox + "'", "`Add-RecipientPermission -Identity 'alerts@"} {
					if !strings.Contains(p.Fix, want) {
						t.Errorf("fix lacks %q:\n%s", want, p.Fix)
					}
				}
				if !strings.Contains(p.Raw, "535 5.7.3") {
					t.Errorf("details lack Exchange's reply: %q", p.Raw)
				}
				// pimmail test meets the same explanation.
				c.Entra.Method = config.MethodAppOnly
				_, err := run.SendTest(ctx(t), config.ProviderEntra, c, "")
				problemCode(t, err, diagnose.AppExchangeSetup)
			}
		})
	}
}
