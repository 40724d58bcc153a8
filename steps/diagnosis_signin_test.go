package steps_test

// Rows of the diagnosis matrix for the sign-in methods beside the device
// code: the authorization code with paste-back and app-only.

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

const (
	atAuthCodeStart  stage = "StartAuthCode"
	atAuthCodeRedeem stage = "RedeemAuthCode"
	atAppOnly        stage = "CheckAppOnly"
)

func signInCases() []diagCase {
	return []diagCase{
		{name: "device-code-blocked", scenario: "device-code-blocked",
			at: atWait, code: diagnose.EntraConditionalAccess,
			fix: []string{"Conditional Access", "Exclude"}, raw: []string{"AADSTS53003", "does not allow token issuance"}},
		{name: "device-auth-required", scenario: "device-auth-required",
			at: atWait, code: diagnose.EntraDeviceAuthRequired,
			fix: []string{"browser elsewhere", "app-only"}, raw: []string{"AADSTS50097", "Device authentication is required."}},
		{name: "authcode-redirect-missing", scenario: "authcode-redirect-missing", drive: driveAuthCode(nil),
			at: atAuthCodeStart, code: diagnose.EntraRedirectMismatch,
			fix: []string{"Authentication", "Web", "`http://localhost`"}, raw: []string{"AADSTS50011"}},
		{name: "auth code pasted twice", drive: driveAuthCode(func(t *testing.T, run *steps.Run, a steps.AuthCodeLogon, landed string) string {
			if _, err := run.RedeemAuthCode(ctx(t), a, landed); err != nil {
				t.Fatalf("first redeem: %v", err)
			}
			return landed
		}), at: atAuthCodeRedeem, code: diagnose.EntraCodeRedeemed, fix: []string{"new sign-in"}, raw: []string{"AADSTS54005"}},
		{name: "auth code pasted after 10 minutes", opts: clockAt, drive: driveAuthCode(func(t *testing.T, _ *steps.Run, _ steps.AuthCodeLogon, landed string) string {
			testClock.advance(11 * time.Minute)
			return landed
		}), at: atAuthCodeRedeem, code: diagnose.EntraAuthCodeExpired, fix: []string{"new sign-in"}, raw: []string{"AADSTS70008"}},
		{name: "auth code with another sign-in's state", drive: driveAuthCode(func(t *testing.T, _ *steps.Run, _ steps.AuthCodeLogon, landed string) string {
			return withQuery(t, landed, "state", "from-an-earlier-attempt")
		}), at: atAuthCodeRedeem, code: diagnose.AuthCodeStateMismatch, fix: []string{"paste the address"}, raw: []string{"state"}},
		{name: "auth code with another sign-in's PKCE key", drive: driveAuthCode(func(t *testing.T, run *steps.Run, a steps.AuthCodeLogon, landed string) string {
			// The code of a second sign-in, given this sign-in's state.
			c := matrixEntra()
			b, err := run.StartAuthCode(ctx(t), c.Entra, portOf(t, a.RedirectURI))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			other, err := matrixSandbox.SignInBrowser(ctx(t), b.URL, true)
			if err != nil {
				t.Fatal(err)
			}
			return withQuery(t, other, "state", queryOf(t, landed, "state"))
		}), at: atAuthCodeRedeem, code: diagnose.EntraPKCEMismatch, fix: []string{"new sign-in"}, raw: []string{"AADSTS501481"}},
		{name: "auth code: error= pasted", drive: driveAuthCode(func(t *testing.T, _ *steps.Run, _ steps.AuthCodeLogon, landed string) string {
			u, _ := url.Parse(landed)
			return "http://" + u.Host + "/?error=server_error&error_description=Something+failed&state=" + url.QueryEscape(queryOf(t, landed, "state"))
		}), at: atAuthCodeRedeem, code: diagnose.AuthCodeRefused, fix: []string{"new sign-in"}, raw: []string{"server_error: Something failed"}},
		{name: "auth code: the sign-in page pasted instead", drive: driveAuthCode(func(t *testing.T, _ *steps.Run, a steps.AuthCodeLogon, _ string) string {
			return "https://login.microsoftonline.com/" + sandbox.DefaultTenantID + "/oauth2/v2.0/authorize?client_id=x"
		}), at: atAuthCodeRedeem, code: diagnose.AuthCodeBadPaste, fix: []string{"http://localhost"}, local: true},
		{name: "app-permission-missing", scenario: "app-permission-missing", drive: driveAppOnly,
			at: atAppOnly, code: diagnose.AppRoleMissing, fix: []string{"Office 365 Exchange Online", "SMTP.SendAsApp", "Grant admin consent"}, raw: []string{"roles: none"}},
		{name: "app-not-registered-in-exchange", scenario: "app-not-registered-in-exchange", drive: driveAppOnly,
			at: atAppOnly, code: diagnose.AppExchangeSetup, fix: []string{"`New-ServicePrincipal -AppId '" + sandbox.DefaultClientID + "'"}, raw: []string{"535 5.7.3"}},
		{name: "app-no-mailbox-permission", scenario: "app-no-mailbox-permission", drive: driveAppOnly,
			at: atAppOnly, code: diagnose.AppExchangeSetup, fix: []string{"-AccessRights FullAccess`"}, raw: []string{"535 5.7.3"}},
	}
}

// matrixSandbox is the sandbox of the running auth-code row (rows using it
// do not run in parallel with each other: see driveAuthCode's lock).
var (
	matrixSandbox *sandbox.Sandbox
	matrixMu      sync.Mutex
)

// testClock is the sandbox clock of the row that expires a code.
var testClock = &movingClock{}

type movingClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *movingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *movingClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

func clockAt(o *sandbox.Options) { o.Now = testClock.now }

func matrixEntra() config.Config {
	c := config.Default()
	c.Entra.TenantID, c.Entra.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID
	c.Entra.ClientSecret = secret.New(sandbox.DefaultClientSecret)
	c.Entra.Mailbox = sandbox.DefaultMailbox
	return c
}

// driveAuthCode starts the authorization-code sign-in, signs in at the
// sandbox's page and pastes what paste makes of the landed address.
func driveAuthCode(paste func(t *testing.T, run *steps.Run, a steps.AuthCodeLogon, landed string) string) func(*testing.T, *diagCase) outcome {
	return func(t *testing.T, tc *diagCase) outcome {
		matrixMu.Lock()
		defer matrixMu.Unlock()
		sb := startFor(t, tc.scenario, "", tc.opts)
		matrixSandbox = sb
		run, _ := steps.Open(sandboxEnv(sb, configPath(t)))
		c := matrixEntra()
		o := outcome{secrets: []string{sandbox.DefaultClientSecret}, known: diagnose.Facts{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID}}
		a, err := run.StartAuthCode(ctx(t), c.Entra, sandboxPort(t))
		if err != nil {
			o.at, o.err = atAuthCodeStart, err
			return o
		}
		defer a.Close()
		landed, err := sb.SignInBrowser(ctx(t), a.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		code := queryOf(t, landed, "code")
		if code != "" {
			o.secrets = append(o.secrets, code)
		}
		_, err = run.RedeemAuthCode(ctx(t), a, paste(t, run, a, landed))
		o.at, o.err = atAuthCodeRedeem, err
		return o
	}
}

// driveAppOnly runs the app-only check of step 4.
func driveAppOnly(t *testing.T, tc *diagCase) outcome {
	sb := startFor(t, tc.scenario, "", tc.opts)
	env := sandboxEnv(sb, configPath(t))
	run, _ := steps.Open(env)
	c := matrixEntra()
	c.Entra.SmartHost, c.Entra.Port = env.Sandbox.SmartHost, env.Sandbox.SmartPort
	_, err := run.CheckAppOnly(ctx(t), c)
	return outcome{at: atAppOnly, err: err, secrets: []string{sandbox.DefaultClientSecret},
		known: diagnose.Facts{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID, Mailbox: c.Entra.Mailbox}}
}

func sandboxPort(t *testing.T) int {
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return portOf(t, "http://"+ln.Addr().String())
}

func portOf(t *testing.T, addr string) int {
	u, err := url.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range u.Port() {
		n = n*10 + int(r-'0')
	}
	return n
}

func queryOf(t *testing.T, addr, name string) string {
	u, err := url.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

func withQuery(t *testing.T, addr, name, value string) string {
	u, err := url.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
