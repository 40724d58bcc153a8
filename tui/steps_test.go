package tui

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// flat joins a view's words with single spaces, so that assertions do not
// depend on where a line was wrapped.
func flat(v string) string { return strings.Join(strings.Fields(v), " ") }

func TestSecretStep(t *testing.T) {
	saved := config.Default()
	saved.Entra.TenantID, saved.Entra.ClientID = tenantGUID, clientGUID
	saved.Entra.ClientSecret = secret.New("Saved~Secret.Value_9876543210wxyz")
	tests := []struct {
		name       string
		cfg        *config.Config
		keys       []tea.Msg
		running    bool
		want       []string
		absent     []string
		wantSecret secret.Secret // what Apply would store
	}{
		{
			name: "the Secret ID is refused with the reason",
			keys: []tea.Msg{paste("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"), k("enter")},
			want: []string{"✗ Client secret looks like the Secret ID, not its Value.", "copy the Value column"},
		},
		{
			name: "empty without a saved secret is refused",
			keys: []tea.Msg{k("enter")},
			want: []string{"✗ Client secret is empty."},
		},
		{
			name:       "the value is masked, and ctrl+r shows only its last 4",
			keys:       []tea.Msg{paste(secretVal), k("ctrl+r")},
			want:       []string{"Ends in: ********cdEF", strings.Repeat("*", len(secretVal))},
			absent:     []string{secretVal, "Sbx8Q"},
			wantSecret: secret.New(secretVal),
		},
		{
			name:       "a trailing period belongs to the secret",
			keys:       []tea.Msg{paste(" " + secretVal + ".\n"), k("enter")},
			running:    true,
			wantSecret: secret.New(secretVal + "."),
		},
		{
			name:       "empty keeps the saved secret",
			cfg:        &saved,
			keys:       []tea.Msg{k("enter")},
			running:    true,
			want:       []string{"Checking the app and its secret"},
			wantSecret: saved.Entra.ClientSecret,
		},
		{
			name:   "the field says a saved secret is kept",
			cfg:    &saved,
			want:   []string{"leave empty to keep the saved secret"},
			absent: []string{"wxyz"},
		},
		{
			name:       "ctrl+r on an empty field shows the end of the saved secret",
			cfg:        &saved,
			keys:       []tea.Msg{k("ctrl+r")},
			want:       []string{"Ends in: ********wxyz"},
			wantSecret: saved.Entra.ClientSecret,
		},
		{
			name:       "? is part of a secret, not the help key",
			keys:       []tea.Msg{paste("Abc8Q~xyz"), k("?")},
			absent:     []string{"quit without saving"},
			wantSecret: secret.New("Abc8Q~xyz?"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, tc.cfg, nil)
			m = entraTo(t, m, steps.StepSecret)
			m, cmd := send(t, m, tc.keys...)
			if m.cur != steps.StepSecret {
				t.Fatalf("at %s", m.cur)
			}
			if m.sec().Running() != tc.running || (tc.running && cmd == nil) {
				t.Errorf("running = %v (cmd %v), want %v", m.sec().Running(), cmd != nil, tc.running)
			}
			v := m.View()
			for _, w := range tc.want {
				if !strings.Contains(flat(v), w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(v, a) {
					t.Errorf("view shows %q:\n%s", a, v)
				}
			}
			if tc.wantSecret != "" {
				if got := m.sec().Apply(config.Config{}).Entra.ClientSecret; got != tc.wantSecret {
					t.Errorf("Apply stores a secret ending %q, want one ending %q", got.Last4(), tc.wantSecret.Last4())
				}
			}
			checkScreen(t, v, 80, 24)
		})
	}
}

func TestSecretCheckFailureShowsProblemAndDetails(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepSecret)
	m, _ = send(t, m, paste(secretVal), k("enter"))
	raw := "AADSTS7000215: Invalid client secret provided. Trace ID: 0f1e2d3c"
	p := diagnose.New(diagnose.EntraSecretInvalid, diagnose.Facts{ClientID: clientGUID}, raw, nil)
	m, _ = send(t, m, result(m, appAccepted{}, p))
	v := m.View()
	if m.cur != steps.StepSecret {
		t.Fatalf("a failed check moved on to %s", m.cur)
	}
	if !strings.Contains(flat(v), flat("✗ "+p.Title)) || !strings.Contains(flat(v), "Fix:") {
		t.Errorf("the problem's title and fix are not shown:\n%s", v)
	}
	if strings.Contains(v, "0f1e2d3c") {
		t.Errorf("raw details shown before asked for:\n%s", v)
	}
	m, _ = press(t, m, "ctrl+d") // the secret field has the focus: d is text there
	if v := m.View(); !strings.Contains(flat(v), "Trace ID: 0f1e2d3c") {
		t.Errorf("ctrl+d did not show the raw details:\n%s", v)
	}
	if got := m.sec().form.value(0); got != secretVal {
		t.Errorf("ctrl+d changed the field: %q", got)
	}
	m, _ = press(t, m, "ctrl+d")
	if strings.Contains(m.View(), "0f1e2d3c") {
		t.Error("ctrl+d did not hide the details again")
	}
}

func TestLogonStep(t *testing.T) {
	at := func(t *testing.T) Model {
		m, _ := openModel(t, nil, nil)
		return entraTo(t, m, steps.StepLogon)
	}
	t.Run("a code is asked for on arrival", func(t *testing.T) {
		m := at(t)
		if m.logon().phase != logonStarting || !m.logon().Running() {
			t.Fatalf("phase %d, running %v", m.logon().phase, m.logon().Running())
		}
		if v := m.View(); !strings.Contains(v, "Asking Entra ID for a sign-in code") {
			t.Errorf("view:\n%s", v)
		}
	})
	t.Run("the code, the address and the countdown are shown", func(t *testing.T) {
		m := at(t)
		m, cmd := send(t, m, result(m, testLogon, nil))
		if cmd == nil || m.logon().phase != logonWaiting || !m.logon().Running() {
			t.Fatalf("phase %d, running %v, cmd %v", m.logon().phase, m.logon().Running(), cmd != nil)
		}
		v := m.View()
		for _, w := range []string{"GHK PW2 QM9", "https://microsoft.com/devicelogin", "The code expires in 15:00.", "Waiting for the mailbox to sign in"} {
			if !strings.Contains(v, w) {
				t.Errorf("view lacks %q:\n%s", w, v)
			}
		}
		m, _ = send(t, m, tickMsg{step: steps.StepLogon, gen: m.logon().gen, t: fixedNow.Add(61 * time.Second)})
		if v := m.View(); !strings.Contains(v, "The code expires in 13:59.") {
			t.Errorf("countdown after a tick:\n%s", v)
		}
		m, cmd = send(t, m, tickMsg{step: steps.StepLogon, gen: m.logon().gen - 1, t: fixedNow.Add(120 * time.Second)})
		if cmd != nil || !strings.Contains(m.View(), "13:59") {
			t.Error("a tick of an old ticker was not dropped")
		}
		m, _ = send(t, m, tickMsg{step: steps.StepLogon, gen: m.logon().gen, t: testLogon.ExpiresOn.Add(time.Second)})
		if v := m.View(); !strings.Contains(v, "The code has expired: press r for a new one.") {
			t.Errorf("after expiry:\n%s", v)
		}
	})
	t.Run("c copies the code with OSC 52", func(t *testing.T) {
		m, out := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepLogon)
		m, _ = send(t, m, result(m, testLogon, nil))
		m, cmd := press(t, m, "c")
		if cmd == nil {
			t.Fatal("c returned no command")
		}
		if out.Len() != 0 {
			t.Fatal("Update wrote to the terminal itself")
		}
		msg := cmd()
		want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("GHKPW2QM9")) + "\a"
		if got := out.String(); got != want {
			t.Errorf("wrote %q, want %q", got, want)
		}
		m, _ = send(t, m, msg)
		if v := m.View(); !strings.Contains(flat(v), "Code sent to your clipboard (OSC 52)") {
			t.Errorf("view:\n%s", v)
		}
	})
	t.Run("r gets a fresh code and stops the old ticker", func(t *testing.T) {
		m := at(t)
		m, _ = send(t, m, result(m, testLogon, nil))
		oldGen, oldWait := m.logon().gen, result(m, testSignedIn, nil)
		m, _ = press(t, m, "r")
		if m.logon().phase != logonStarting || !m.logon().Running() {
			t.Fatalf("r: phase %d", m.logon().phase)
		}
		m, _ = send(t, m, oldWait)
		if m.logon().phase == logonSignedIn {
			t.Fatal("the old code's sign-in was accepted after r")
		}
		m, _ = send(t, m, result(m, testLogon, nil))
		if m.logon().gen == oldGen {
			t.Error("the new code kept the old ticker generation")
		}
	})
	t.Run("esc cancels the wait, then goes back", func(t *testing.T) {
		m := at(t)
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepLogon || m.logon().Running() || m.logon().phase != logonIdle {
			t.Fatalf("at %s, running %v, phase %d", m.cur, m.logon().Running(), m.logon().phase)
		}
		if v := m.View(); !strings.Contains(v, "Sign-in cancelled") {
			t.Errorf("view:\n%s", v)
		}
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepSecret {
			t.Fatalf("second esc: at %s", m.cur)
		}
	})
	for _, tc := range []struct {
		code diagnose.Code
		raw  string
	}{
		{diagnose.EntraCodeExpired, "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."},
		{diagnose.EntraDeclined, "authorization_declined: The end user denied the authorization request."},
	} {
		t.Run(string(tc.code)+" offers a fresh code", func(t *testing.T) {
			m := at(t)
			m, _ = send(t, m, result(m, testLogon, nil))
			p := diagnose.New(tc.code, diagnose.Facts{}, tc.raw, nil)
			m, _ = send(t, m, result(m, steps.SignedIn{}, p))
			v := m.View()
			if m.logon().phase != logonFailed || !strings.Contains(flat(v), flat(p.Title)) || !strings.Contains(v, "Press enter or r for a fresh code.") {
				t.Fatalf("phase %d; view:\n%s", m.logon().phase, v)
			}
			m, _ = press(t, m, "enter")
			if m.logon().phase != logonStarting {
				t.Errorf("enter after failure: phase %d", m.logon().phase)
			}
		})
	}
	t.Run("signed in: mailbox and scope shown, enter moves on", func(t *testing.T) {
		m := at(t)
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = send(t, m, result(m, testSignedIn, nil))
		v := m.View()
		for _, w := range []string{"✓ Signed in as " + mailbox, "SMTP.Send for https://outlook.office.com"} {
			if !strings.Contains(flat(v), w) {
				t.Errorf("view lacks %q:\n%s", w, v)
			}
		}
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepSmartHost || m.cfg.Entra.Mailbox != mailbox {
			t.Errorf("at %s with mailbox %q", m.cur, m.cfg.Entra.Mailbox)
		}
	})
	t.Run("a token without SMTP.Send is refused", func(t *testing.T) {
		m := at(t)
		m, _ = send(t, m, result(m, testLogon, nil))
		// auth.DeviceLogon.Wait checks the token's claims and refuses it
		// (and drops it from the cache) as the wait's error.
		refused := diagnose.New(diagnose.TokenWrongScope, diagnose.Facts{Mailbox: mailbox},
			"token scopes (scp): User.Read; SMTP needs the delegated permission SMTP.Send", nil)
		m, _ = send(t, m, result(m, steps.SignedIn{}, refused))
		if m.logon().phase != logonFailed || m.logon().problem.p == nil || m.logon().problem.p.Code != diagnose.TokenWrongScope {
			t.Fatalf("phase %d, problem %+v", m.logon().phase, m.logon().problem.p)
		}
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepLogon {
			t.Error("moved on with a token that cannot send")
		}
	})
	t.Run("a new tenant needs a new sign-in", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSmartHost)
		m, _ = press(t, m, "esc", "esc", "esc", "shift+tab") // logon, secret, IDs; tenant field
		m, _ = send(t, m, k("ctrl+u"), paste("fabrikam.onmicrosoft.com"), k("enter"))
		m, _ = send(t, m, result(m, "0b5c6d7e-1f2a-4b3c-9d8e-7f6a5b4c3d2e", nil))
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		if m.cur != steps.StepLogon || m.logon().phase != logonStarting {
			t.Fatalf("at %s, phase %d; want a fresh sign-in", m.cur, m.logon().phase)
		}
	})
	t.Run("the tenant's domain instead of its GUID keeps the sign-in", func(t *testing.T) {
		// The field invites either; they are the same tenant (issue 11).
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSmartHost)
		m, _ = press(t, m, "esc", "esc", "esc", "shift+tab") // logon, secret, IDs; tenant field
		m, _ = send(t, m, k("ctrl+u"), paste("contoso.onmicrosoft.com"), k("enter"))
		m, _ = send(t, m, result(m, tenantGUID, nil))
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		if m.cur != steps.StepLogon || m.logon().phase != logonSignedIn {
			t.Fatalf("at %s, phase %d; want the sign-in kept:\n%s", m.cur, m.logon().phase, m.View())
		}
		if m.cfg.Entra.TenantID != tenantGUID {
			t.Errorf("tenant kept as %q, want the directory ID %s it resolved to", m.cfg.Entra.TenantID, tenantGUID)
		}
	})
}

func TestSmartHostStep(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		running bool
		value   string
		want    string
	}{
		{"default port", "smtp.office365.com", true, "smtp.office365.com:587", "Connecting to smtp.office365.com:587"},
		{"explicit port", " smtp.office365.com:25 ", true, "smtp.office365.com:25", "Connecting to smtp.office365.com:25"},
		{"a URL is refused", "https://smtp.office365.com", false, "https://smtp.office365.com", "✗ Server is a URL"},
		{"empty is refused", "", false, "", "✗ Server is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepSmartHost)
			m, _ = press(t, m, "ctrl+u")
			if tc.input != "" {
				m, _ = send(t, m, paste(tc.input))
			}
			m, _ = press(t, m, "enter")
			if m.smart().Running() != tc.running {
				t.Errorf("running = %v", m.smart().Running())
			}
			if got := m.smart().form.value(0); got != tc.value {
				t.Errorf("field = %q, want %q", got, tc.value)
			}
			if v := m.View(); !strings.Contains(flat(v), tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, v)
			}
		})
	}
	t.Run("the probe result is shown; enter then moves on", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSmartHost)
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, testProbe, nil))
		v := flat(m.View())
		for _, w := range []string{"TLS 1.3 after STARTTLS", "XOAUTH2 offered ✓", "✓ connect 12ms", "✓ greeting <1ms", "Microsoft ESMTP MAIL Service ready"} {
			if !strings.Contains(v, w) {
				t.Errorf("view lacks %q:\n%s", w, m.View())
			}
		}
		if m.cur != steps.StepSmartHost {
			t.Fatal("moved on before the result was read")
		}
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepTest || m.cfg.Entra.SmartHost != "smtp.office365.com" || m.cfg.Entra.Port != 587 {
			t.Fatalf("at %s with %s:%d", m.cur, m.cfg.Entra.SmartHost, m.cfg.Entra.Port)
		}
	})
	t.Run("an edit after the probe probes again", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSmartHost)
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, testProbe, nil))
		m, _ = press(t, m, "backspace", "7", "enter")
		if m.cur != steps.StepSmartHost || !m.smart().Running() {
			t.Fatalf("at %s, running %v", m.cur, m.smart().Running())
		}
	})
	t.Run("the sandbox's smart host is prefilled", func(t *testing.T) {
		m, _ := openModel(t, nil, &testHints)
		m = entraTo(t, m, steps.StepSmartHost)
		if got := m.smart().form.value(0); got != "127.0.0.1:40587" {
			t.Errorf("prefilled %q", got)
		}
	})
	t.Run("another cloud brings its smart host", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepIDs)
		m, _ = send(t, m, paste(tenantGUID), k("tab"), paste(clientGUID), k("tab"), k("right"), k("enter"))
		m, _ = send(t, m, result(m, tenantGUID, nil))
		m, _ = send(t, m, paste(secretVal), k("enter"))
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = send(t, m, result(m, steps.SignedIn{Mailbox: mailbox, Scopes: []string{"https://outlook.office365.us/SMTP.Send"}, Audience: "https://outlook.office365.us"}, nil))
		m, _ = press(t, m, "enter")
		if got := m.smart().form.value(0); m.cur != steps.StepSmartHost || got != "smtp.office365.us:587" {
			t.Errorf("at %s, smart host %q", m.cur, got)
		}
	})
}

func TestServerStep(t *testing.T) {
	t.Run("relay: host:port moves the port, TLS choice cycles", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = relayTo(t, m, steps.StepServer)
		if v := flat(m.View()); !strings.Contains(v, "inbound connector") || !strings.Contains(v, "‹") && !strings.Contains(v, "STARTTLS (required)") {
			t.Errorf("relay help missing:\n%s", m.View())
		}
		m, _ = send(t, m, k("ctrl+u"), paste("contoso-com.mail.protection.outlook.com:587"), k("tab"), k("tab"), k("right"))
		if got := m.relaySrv().form.choiceOf(srvTLS); steps.TLSModes(config.ProviderRelay)[got] != config.TLSImplicit {
			t.Errorf("right from STARTTLS gave %s", steps.TLSModes(config.ProviderRelay)[got])
		}
		m, _ = press(t, m, "left", "enter")
		if !m.relaySrv().Running() {
			t.Fatalf("no probe: %s", m.View())
		}
		if h, p := m.relaySrv().form.value(srvHost), m.relaySrv().form.value(srvPort); h != "contoso-com.mail.protection.outlook.com" || p != "587" {
			t.Errorf("fields %q %q", h, p)
		}
		m, _ = send(t, m, result(m, steps.ProbeResult{TLSVersion: "TLS 1.2", StartTLS: true}, nil))
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepCredentials || m.cfg.Relay.Port != 587 || m.cfg.Relay.TLS != config.TLSStartTLS {
			t.Fatalf("at %s with %+v", m.cur, m.cfg.Relay)
		}
	})
	t.Run("a bad port is refused inline", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = relayTo(t, m, steps.StepServer)
		m, _ = send(t, m, k("ctrl+u"), paste("relay.contoso.com"), k("tab"), k("ctrl+u"), paste("70000"), k("enter"))
		if m.relaySrv().Running() || !strings.Contains(flat(m.View()), "✗ Port must be between 1 and 65535") {
			t.Fatalf("view:\n%s", m.View())
		}
	})
	t.Run("local offers no implicit TLS", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m, _ = press(t, m, "down", "enter")
		if m.cur != steps.StepServer || len(m.localSrv().form.fields[srvTLS].choices) != 2 {
			t.Fatalf("at %s, choices %v", m.cur, m.localSrv().form.fields[srvTLS].choices)
		}
		if got := m.localSrv().form.value(srvHost); got != "localhost" {
			t.Errorf("local host default %q", got)
		}
	})
}

func TestCredentialsStep(t *testing.T) {
	tests := []struct {
		name    string
		msgs    []tea.Msg
		at      steps.ID
		running bool
		want    string
	}{
		{"both empty moves on", []tea.Msg{k("enter")}, steps.StepTest, false, ""},
		{"enter on a username goes to the empty password", []tea.Msg{paste("svc-pim"), k("enter")}, steps.StepCredentials, false, "› Password"},
		{"a username without a password is refused", []tea.Msg{paste("svc-pim"), k("enter"), k("enter")}, steps.StepCredentials, false, "✗ Password is missing"},
		{"a password without a username is refused", []tea.Msg{k("tab"), paste("pa?ss"), k("enter")}, steps.StepCredentials, false, "✗ Username is missing"},
		{"both: the relay is probed for AUTH", []tea.Msg{paste("svc-pim"), k("tab"), paste("pa?ss"), k("enter")}, steps.StepCredentials, true, "offers AUTH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = relayTo(t, m, steps.StepCredentials)
			m, _ = send(t, m, tc.msgs...)
			if m.cur != tc.at || m.creds().Running() != tc.running {
				t.Fatalf("at %s running %v:\n%s", m.cur, m.creds().Running(), m.View())
			}
			if v := flat(m.View()); !strings.Contains(v, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, m.View())
			}
			if strings.Contains(m.View(), "pa?ss") {
				t.Error("the password is shown")
			}
		})
	}
}

func TestTestStepAndEnable(t *testing.T) {
	t.Run("From defaults to the mailbox; bad addresses are refused", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		if f, to := m.test().form.value(testFrom), m.test().form.value(testTo); f != mailbox || to != mailbox {
			t.Errorf("From %q, recipient %q; want the mailbox", f, to)
		}
		m, _ = send(t, m, k("tab"), k("tab"), k("ctrl+u"), paste("Ops <ops@contoso.com>"), k("enter"))
		if m.test().Running() || !strings.Contains(flat(m.View()), "✗ Email address must be the address only") {
			t.Errorf("view:\n%s", m.View())
		}
	})
	t.Run("another From is warned about", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"))
		if !strings.Contains(flat(m.View()), "⚠") || !strings.Contains(m.View(), "SendAs") {
			t.Errorf("no Send As warning:\n%s", m.View())
		}
	})
	t.Run("a relay From is not held to the Entra mailbox", func(t *testing.T) {
		// A saved Entra mailbox must not make the relay path warn about
		// Exchange Online's Send As rule: the relay has no such rule.
		cfg := config.Default()
		cfg.Entra.Mailbox = mailbox
		m, _ := openModel(t, &cfg, nil)
		m = relayTo(t, m, steps.StepTest)
		m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"))
		if v := m.View(); strings.Contains(v, "SendAs") || strings.Contains(v, "⚠") {
			t.Errorf("relay test step warns about Send As:\n%s", v)
		}
	})
	t.Run("success shows the reply and the redacted transcript", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, cmd := press(t, m, "enter")
		if !m.test().Running() || cmd == nil {
			t.Fatal("enter did not send")
		}
		sent := testSent
		sent.Transcript = append(append([]string(nil), sent.Transcript...), "C: leaked "+secretVal, "S: \x1b]52;c;ZXZpbA==\a250 OK")
		m, _ = send(t, m, result(m, sent, nil))
		v := flat(m.View())
		if !strings.Contains(v, "✓ Test email sent to "+mailbox+". The server replied: 250 2.0.0 OK") {
			t.Errorf("view:\n%s", m.View())
		}
		m, _ = press(t, m, "ctrl+t")
		tv := m.View()
		if !strings.Contains(tv, "AUTH XOAUTH2 ********") || !strings.Contains(tv, "Transcript") {
			t.Errorf("transcript not shown:\n%s", tv)
		}
		m, _ = press(t, m, "pgdown")
		tv = m.View()
		if strings.Contains(tv, secretVal) || strings.Contains(tv, "\x1b") {
			t.Errorf("transcript shows a secret or an escape sequence:\n%q", tv)
		}
		checkScreen(t, tv, 80, 24)
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepEnable || !m.enable().tested {
			t.Fatalf("at %s, tested %v", m.cur, m.enable().tested)
		}
		if !m.enable().ticked || !strings.Contains(m.View(), "[x] Enabled") {
			t.Errorf("Enabled is not ticked after a passing test:\n%s", m.View())
		}
		m, _ = press(t, m, "space")
		if m.enable().ticked || !strings.Contains(m.View(), "[ ] Enabled") {
			t.Errorf("space did not untick:\n%s", m.View())
		}
	})
	t.Run("a failed test shows the problem and does not move on", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = press(t, m, "enter")
		p := diagnose.New(diagnose.SMTPAuthDisabledMailbox, diagnose.Facts{Mailbox: mailbox},
			"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.", nil)
		m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 535 5.7.139 ..."}}, p))
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepTest || !m.test().Running() {
			t.Fatalf("enter after a failure should send again: at %s, running %v", m.cur, m.test().Running())
		}
	})
	t.Run("skipping the test leaves Enabled locked, with the reason", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = press(t, m, "ctrl+n")
		if m.cur != steps.StepEnable {
			t.Fatalf("at %s", m.cur)
		}
		m, cmd := press(t, m, "space")
		if m.enable().ticked || cmd != nil {
			t.Error("Enabled was ticked without a test")
		}
		if v := flat(m.View()); !strings.Contains(v, "[ ] Enabled") || !strings.Contains(v, "only after a test email went through") {
			t.Errorf("view:\n%s", m.View())
		}
		m, _ = press(t, m, "enter")
		if m.enable().ticked || m.enable().check.label != "Saving the settings…" {
			t.Errorf("enter without a test: ticked %v, check %q; want the settings saved only", m.enable().ticked, m.enable().check.label)
		}
	})
	t.Run("a changed setting after the test needs a new test", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepEnable)
		m, _ = press(t, m, "esc", "esc") // test, smart host
		m, _ = send(t, m, k("backspace"), k("5"), k("enter"))
		m, _ = send(t, m, result(m, testProbe, nil))
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepTest || m.test().passedNow() {
			t.Fatalf("at %s, passed %v", m.cur, m.test().passedNow())
		}
		m, _ = press(t, m, "enter")
		if !m.test().Running() {
			t.Error("enter did not send a new test")
		}
	})
}

func TestEnableSaveAndConsent(t *testing.T) {
	t.Run("unticked, enter saves the settings only", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepEnable)
		m, cmd := press(t, m, "space", "enter")
		if cmd == nil || m.enable().check.label != "Saving the settings…" {
			t.Errorf("check %q:\n%s", m.enable().check.label, m.View())
		}
	})
	t.Run("save, summary, quit", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepEnable)
		m, cmd := press(t, m, "enter")
		if !m.enable().Running() || cmd == nil {
			t.Fatal("enter did not save")
		}
		m, _ = press(t, m, "esc") // Save cannot be cancelled
		if !m.enable().Running() || m.cur != steps.StepEnable {
			t.Fatal("esc interrupted Save")
		}
		sum := steps.SaveSummary{ConfigPath: "/home/pim/.config/pimmail/config.json", CachePath: "/home/pim/.config/pimmail/msal-cache.json",
			Provider: config.ProviderEntra, Disabled: []config.Provider{config.ProviderRelay}, Mailbox: mailbox}
		m, _ = send(t, m, result(m, sum, nil))
		v := flat(m.View())
		for _, w := range []string{"✓ Saved. Microsoft Entra ID SMTP Client is enabled.", sum.ConfigPath, sum.CachePath, "SMTP Relay (settings kept)", "Tell your organisation: PIM email now goes out as " + mailbox} {
			if !strings.Contains(v, w) {
				t.Errorf("summary lacks %q:\n%s", w, m.View())
			}
		}
		if got, ok := m.Saved(); !ok || got.ConfigPath != sum.ConfigPath {
			t.Errorf("Saved() = %+v, %v", got, ok)
		}
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepEnable {
			t.Error("esc left the summary")
		}
		_, cmd = press(t, m, "q")
		if cmd == nil || cmd() != tea.Quit() {
			t.Error("q did not quit after saving")
		}
	})
	t.Run("an unreadable config is overwritten only with consent", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m.start.NeedsConsent = true
		en := m.enable()
		en.needs = true
		m.screens[slotEnable] = en
		m = entraTo(t, m, steps.StepEnable)
		m, cmd := press(t, m, "enter")
		if cmd != nil || !m.enable().asking || !strings.Contains(flat(m.View()), "Overwrite it? (y/n)") {
			t.Fatalf("no question:\n%s", m.View())
		}
		m, cmd = press(t, m, "n")
		if cmd != nil || m.enable().asking || !strings.Contains(flat(m.View()), "Nothing was saved") {
			t.Fatalf("n:\n%s", m.View())
		}
		m, _ = press(t, m, "enter")
		m, cmd = press(t, m, "y")
		if cmd == nil || !m.enable().Running() || !m.enable().consent {
			t.Fatal("y did not save with consent")
		}
	})
}

func TestLogonCodeScreen(t *testing.T) {
	m, _ := openModel(t, nil, &testHints)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	m, _ = send(t, m, tickMsg{step: steps.StepLogon, gen: m.logon().gen, t: fixedNow.Add(75 * time.Second)})
	// A spinner of one fixed frame: the golden holds no animation.
	lg := m.logon()
	lg.check.spinner.Spinner = spinner.Spinner{Frames: []string{"*"}, FPS: time.Second}
	m.screens[slotLogon] = lg
	v := m.View()
	checkScreen(t, v, 80, 24)
	golden.RequireEqual(t, []byte(v+"\n"))
}
