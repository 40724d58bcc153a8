package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/steps"
)

// waitLimit bounds every wait of the teatest flows. It is generous: the
// machine running the tests may be busy; a healthy run needs a fraction.
const waitLimit = 20 * time.Second

// snapMsg asks the harness for the wizard as it is now.
type snapMsg struct{ ch chan Model }

// harness runs the wizard under teatest and answers snapMsg, so that a test
// waits for a state of the model and captures its View, instead of parsing
// the renderer's byte stream (which redraws only the lines that changed,
// so what it holds depends on timing).
type harness struct{ m Model }

// Init implements tea.Model.
func (h harness) Init() tea.Cmd { return h.m.Init() }

// Update implements tea.Model.
func (h harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(snapMsg); ok {
		s.ch <- h.m
		return h, nil
	}
	m, cmd := h.m.Update(msg)
	return harness{m.(Model)}, cmd
}

// View implements tea.Model.
func (h harness) View() string { return h.m.View() }

// flow is one wizard run under teatest against a real sandbox.
type flow struct {
	t    *testing.T
	tm   *teatest.TestModel
	sb   *sandbox.Sandbox
	dir  string // holds the config; replaced by $TMP in goldens
	last Model
	// expires, when set, is typed in step 3's Expires field after a date
	// in the past has been refused there.
	expires string
}

// startSandbox starts a sandbox that approves device codes quickly.
func startSandbox(t *testing.T, dir string) *sandbox.Sandbox { return startScenario(t, dir, "") }

// startScenario starts a sandbox with one failure scenario switched on.
func startScenario(t *testing.T, dir, scenario string) *sandbox.Sandbox {
	t.Helper()
	return sandboxtest.Start(t, sandbox.Options{ApproveAfter: 50 * time.Millisecond,
		StateDir: filepath.Join(dir, "sandbox"), Scenario: scenario})
}

// hintsOf are the sandbox's values as --sandbox shows them.
func hintsOf(sb *sandbox.Sandbox) steps.Hints {
	ep := sb.Endpoints()
	return steps.Hints{
		TenantID: sandbox.DefaultTenantID, TenantDomain: sandbox.DefaultTenantDomain,
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		SecretID: sandbox.DefaultSecretID, Mailbox: sandbox.DefaultMailbox,
		SmartHost: ep.SMTPHost, SmartPort: ep.SMTPPort,
		RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
		LocalHost: ep.LocalHost, LocalPort: ep.LocalPort,
		RelayDomain: sandbox.RelayDomain,
	}
}

// newFlow opens a run on dir/pimmail/config.json against sb and starts the
// wizard in a teatest program of the given size.
func newFlow(t *testing.T, sb *sandbox.Sandbox, dir string, width, height int) *flow {
	t.Helper()
	h := hintsOf(sb)
	run, start := steps.Open(steps.Env{
		ConfigPath: filepath.Join(dir, "pimmail", "config.json"),
		Authority:  sb.Endpoints().Authority, RootCAs: sb.RootCAs(), Sandbox: &h, Timeout: waitLimit,
	})
	m, _ := newModel(run, start)
	tm := teatest.NewTestModel(t, harness{m}, teatest.WithInitialTermSize(width, height))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Step 1 of ")) },
		teatest.WithDuration(waitLimit))
	return &flow{t: t, tm: tm, sb: sb, dir: dir}
}

// snap returns the wizard as it is now.
func (f *flow) snap() Model {
	f.t.Helper()
	ch := make(chan Model, 1)
	f.tm.Send(snapMsg{ch})
	select {
	case m := <-ch:
		f.last = m
		return m
	case <-time.After(waitLimit):
		f.t.Fatal("the program did not answer")
	}
	return Model{}
}

// wait polls the wizard until cond holds.
func (f *flow) wait(what string, cond func(m Model) bool) Model {
	f.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		m := f.snap()
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("waited %s for %s; the screen:\n%s", waitLimit, what, m.View())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStep waits until step id is on screen with no check running.
func (f *flow) waitStep(id steps.ID) Model {
	f.t.Helper()
	return f.wait("step "+string(id), func(m Model) bool { return m.cur == id && !m.current().Running() })
}

// waitText waits until the screen shows s (wrapping ignored) with no check running.
func (f *flow) waitText(s string) Model {
	f.t.Helper()
	return f.wait("the screen to show "+s, func(m Model) bool {
		return !m.current().Running() && strings.Contains(flat(m.View()), flat(s))
	})
}

// keys sends key names, then waits until the program has handled them.
func (f *flow) keys(names ...string) {
	for _, n := range names {
		f.tm.Send(k(n))
	}
	f.snap()
}

// paste sends a bracketed paste.
func (f *flow) paste(s string) {
	f.tm.Send(paste(s))
	f.snap()
}

// portRE matches the sandbox's loopback endpoints, whose ports change every run.
var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// golden compares the screen with testdata/<test>/<name>.golden. Ports and
// the temporary directory are replaced, since they change every run.
func (f *flow) golden(name string, m Model) {
	f.t.Helper()
	view := strings.ReplaceAll(m.View(), f.dir, "$TMP")
	view = portRE.ReplaceAllString(view, "127.0.0.1:PORT")
	ep := f.sb.Endpoints()
	for _, p := range []int{ep.SMTPPort, ep.RelayPort, ep.LocalPort} {
		view = regexp.MustCompile(`\b`+strconv.Itoa(p)+`\b`).ReplaceAllString(view, "PORT")
	}
	f.t.Run(name, func(t *testing.T) {
		checkScreen(t, m.View(), m.width, m.height)
		teatest.RequireEqualOutput(t, []byte(view+"\n"))
	})
}

// finish quits with enter/q from the summary and returns the final model.
func (f *flow) finish() Model {
	f.t.Helper()
	f.tm.Send(k("enter"))
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(waitLimit))
	return fm.(harness).m
}

// entraToTest drives the Entra path from the provider step to the test
// step, capturing goldens on the way when asked.
func (f *flow) entraToTest(goldens bool) {
	f.t.Helper()
	g := func(name string, m Model) {
		if goldens {
			f.golden(name, m)
		}
	}
	m := f.snap()
	for m.prov().highlighted() != config.ProviderEntra {
		f.keys("down")
		m = f.snap()
	}
	g("1-provider", m)
	f.keys("enter")
	m = f.waitStep(steps.StepIDs)
	g("2-ids", m)
	if m.ids().form.value(idsTenant) == "" {
		// A paste from the portal, with what it brings along.
		f.paste(" {" + strings.ToUpper(sandbox.DefaultTenantID) + "}\n")
		f.keys("tab")
		f.paste(`"` + sandbox.DefaultClientID + `"`)
	}
	f.keys("enter")
	m = f.waitStep(steps.StepSecret)
	if !m.sec().saved().IsZero() {
		f.keys("enter") // an empty field keeps the saved secret
	} else {
		f.paste(sandbox.DefaultSecretID)
		f.keys("enter")
		m = f.waitText("looks like the Secret ID, not its Value")
		g("3-secret-id", m)
		// A well-formed but wrong secret: Entra ID refuses it.
		f.keys("ctrl+u")
		f.paste("Wrong8Q~not.the-secret_value0123456789abc")
		f.keys("enter")
		m = f.wait("Entra ID to refuse the secret", func(m Model) bool { return !m.sec().Running() && m.sec().problem.p != nil })
		if m.sec().problem.p.Code != "entra.secret-invalid" {
			f.t.Errorf("a wrong secret gave %s: %s", m.sec().problem.p.Code, m.sec().problem.p.Title)
		}
		g("3-secret-wrong", m)
		f.keys("ctrl+d")
		if m = f.snap(); !strings.Contains(flat(m.View()), "AADSTS7000215") {
			f.t.Errorf("ctrl+d shows no raw details:\n%s", m.View())
		}
		f.keys("ctrl+u")
		f.paste(sandbox.DefaultClientSecret)
		f.keys("ctrl+r")
		m = f.waitText("Ends in: ********cdEF")
		g("3-secret", m)
		if f.expires != "" {
			f.keys("tab")
			f.paste("3/31/2020")
			f.keys("enter")
			m = f.waitText("Expires is 2020-03-31, a date in the past")
			if m.cur != steps.StepSecret || m.sec().form.focus != secretExpires {
				f.t.Errorf("a past expiry date left step %v, field %d focused:\n%s", m.cur, m.sec().form.focus, m.View())
			}
			f.keys("ctrl+u")
			f.paste(f.expires)
		}
		f.keys("enter")
	}
	m = f.wait("the mailbox to sign in", func(m Model) bool { return m.cur == steps.StepLogon && m.logon().phase == logonSignedIn })
	g("4-logon-signed-in", m)
	f.keys("enter")
	m = f.waitStep(steps.StepSmartHost)
	g("5-smarthost", m)
	f.keys("enter")
	m = f.waitText("is ready for OAuth2 mail")
	for _, w := range []string{"XOAUTH2 offered ✓", "after STARTTLS", "Microsoft ESMTP MAIL Service ready"} {
		if !strings.Contains(flat(m.View()), w) {
			f.t.Errorf("probe result lacks %q:\n%s", w, m.View())
		}
	}
	f.keys("enter")
	m = f.waitStep(steps.StepTest)
	g("6-test", m)
}

// entraPath drives the Entra path from the provider step to a save.
// from, when set, is typed as the From address before the test email.
func (f *flow) entraPath(goldens bool, from string) {
	f.t.Helper()
	g := func(name string, m Model) {
		if goldens {
			f.golden(name, m)
		}
	}
	f.entraToTest(goldens)
	if from != "" {
		f.keys("ctrl+u")
		f.paste(from)
	}
	f.keys("enter")
	m := f.waitText("✓ Test email sent to " + sandbox.DefaultMailbox)
	f.keys("ctrl+t")
	m = f.waitText("Transcript (secrets masked")
	if v := m.View(); strings.Contains(v, sandbox.DefaultClientSecret) || !strings.Contains(v, "S: ") {
		f.t.Errorf("transcript:\n%s", v)
	}
	f.keys("ctrl+t", "enter")
	m = f.waitStep(steps.StepEnable)
	g("7-enable", m)
	f.keys("enter") // ticked after the passing test
	m = f.waitText("✓ Saved.")
	g("7-enable-saved", m)
}

// checkFile asserts path exists with mode 0600.
func checkFile(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
}

// messagesTo returns the messages sb accepted from server for rcpt.
func messagesTo(sb *sandbox.Sandbox, server, rcpt string) []sandbox.Message {
	var out []sandbox.Message
	for _, msg := range sb.Messages() {
		for _, r := range msg.RcptTo {
			if msg.Server == server && strings.EqualFold(r, rcpt) {
				out = append(out, msg)
			}
		}
	}
	return out
}

func TestEntraFlow(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	f := newFlow(t, sb, dir, 80, 24)
	f.entraPath(true, "")
	final := f.finish()

	sum, ok := final.Saved()
	if !ok {
		t.Fatal("Saved() is false after the summary")
	}
	path := filepath.Join(dir, "pimmail", "config.json")
	if sum.ConfigPath != path || sum.Provider != config.ProviderEntra || sum.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("summary %+v", sum)
	}
	checkFile(t, path)
	if sum.CachePath == "" {
		t.Error("no token cache in the summary")
	} else {
		checkFile(t, sum.CachePath)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled != config.ProviderEntra || cfg.Entra.TenantID != sandbox.DefaultTenantID ||
		cfg.Entra.ClientID != sandbox.DefaultClientID || cfg.Entra.ClientSecret.Reveal() != sandbox.DefaultClientSecret ||
		cfg.Entra.Mailbox != sandbox.DefaultMailbox || cfg.Email.From != sandbox.DefaultMailbox || !cfg.Sandbox {
		t.Errorf("saved config %+v", cfg)
	}
	if cfg.Entra.SecretExpires != "" {
		t.Errorf("the Expires field was left empty, yet %q was saved", cfg.Entra.SecretExpires)
	}
	if got := messagesTo(sb, "exchange", sandbox.DefaultMailbox); len(got) != 1 || got[0].AuthUser != sandbox.DefaultMailbox {
		t.Errorf("the sandbox got %d test emails for the mailbox: %+v", len(got), got)
	}
}

func TestWideLayout(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	f := newFlow(t, sb, dir, 120, 24)
	f.keys("enter")
	f.waitStep(steps.StepIDs)
	f.paste(sandbox.DefaultTenantID)
	f.keys("tab")
	f.paste(sandbox.DefaultClientID)
	f.keys("enter")
	m := f.waitStep(steps.StepSecret)
	f.golden("secret-120x24", m)
	f.tm.Send(k("ctrl+c"))
	if _, saved := f.tm.FinalModel(t, teatest.WithFinalTimeout(waitLimit)).(harness).m.Saved(); saved {
		t.Error("ctrl+c saved")
	}
	if _, err := os.Stat(filepath.Join(dir, "pimmail", "config.json")); !os.IsNotExist(err) {
		t.Errorf("ctrl+c left a config: %v", err)
	}
}

func TestSwitchProviders(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	path := filepath.Join(dir, "pimmail", "config.json")

	// Run 1: Entra.
	f := newFlow(t, sb, dir, 80, 24)
	f.entraPath(false, "")
	f.finish()

	// Run 2: SMTP Relay; Entra's settings stay in the file, disabled.
	f = newFlow(t, sb, dir, 80, 24)
	m := f.snap()
	if v := m.View(); !strings.Contains(v, "Microsoft Entra ID SMTP Client  (enabled now)") {
		t.Errorf("the enabled provider is not marked:\n%s", v)
	}
	f.keys("up", "enter")
	m = f.waitStep(steps.StepServer)
	f.golden("relay-server", m)
	if got := m.relaySrv().form.value(srvHost); got != sb.Endpoints().RelayHost {
		t.Errorf("relay host prefilled %q", got)
	}
	f.keys("enter")
	m = f.waitText("answers with STARTTLS (required)")
	f.keys("enter")
	m = f.waitStep(steps.StepCredentials)
	f.golden("relay-credentials", m)
	f.keys("enter")
	m = f.waitStep(steps.StepTest)
	relayFrom := "pim@" + sandbox.RelayDomain
	f.keys("ctrl+u")
	f.paste(relayFrom)
	f.keys("tab", "tab", "ctrl+u")
	f.paste("ops@" + sandbox.RelayDomain)
	f.keys("enter")
	m = f.waitText("✓ Test email sent to ops@" + sandbox.RelayDomain)
	f.keys("enter")
	f.waitStep(steps.StepEnable)
	f.keys("enter") // ticked after the passing test
	m = f.waitText("✓ Saved. SMTP Relay is enabled.")
	f.golden("relay-saved", m)
	f.finish()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path)
	if cfg.Enabled != config.ProviderRelay || cfg.Relay.Host != sb.Endpoints().RelayHost ||
		cfg.Entra.ClientSecret.Reveal() != sandbox.DefaultClientSecret || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("after the relay run: %+v", cfg)
	}
	if got := messagesTo(sb, "relay", "ops@"+sandbox.RelayDomain); len(got) != 1 {
		t.Errorf("the relay got %d test emails", len(got))
	}

	// Run 3: back to Entra. Everything is prefilled and the secret kept;
	// the From the relay run set is not the mailbox: warned, then refused
	// by Exchange, then fixed.
	f = newFlow(t, sb, dir, 80, 24)
	f.keys("down", "enter")
	m = f.waitStep(steps.StepIDs)
	if m.ids().form.value(idsTenant) != sandbox.DefaultTenantID || m.ids().form.value(idsClient) != sandbox.DefaultClientID {
		t.Errorf("IDs not prefilled: %q %q", m.ids().form.value(idsTenant), m.ids().form.value(idsClient))
	}
	f.keys("enter")
	m = f.waitStep(steps.StepSecret)
	if !strings.Contains(m.View(), "leave empty to keep the saved secret") {
		t.Errorf("secret step:\n%s", m.View())
	}
	f.keys("enter")
	f.wait("the mailbox to sign in", func(m Model) bool { return m.cur == steps.StepLogon && m.logon().phase == logonSignedIn })
	f.keys("enter")
	f.waitStep(steps.StepSmartHost)
	f.keys("enter")
	f.waitText("is ready for OAuth2 mail")
	f.keys("enter")
	m = f.waitStep(steps.StepTest)
	if got := m.test().form.value(testFrom); got != relayFrom {
		t.Errorf("From = %q, want the saved %q", got, relayFrom)
	}
	if !strings.Contains(m.View(), "⚠") {
		t.Errorf("no warning for a From that is not the mailbox:\n%s", m.View())
	}
	f.keys("enter")
	m = f.wait("the test to fail", func(m Model) bool { return !m.test().Running() && m.test().problem.p != nil })
	if p := m.test().problem.p; p.Code != "smtp.send-as-denied" {
		t.Errorf("problem %s: %s", p.Code, p.Title)
	}
	f.keys("ctrl+u")
	f.paste(sandbox.DefaultMailbox)
	f.keys("enter")
	f.waitText("✓ Test email sent to " + sandbox.DefaultMailbox)
	f.keys("enter")
	f.waitStep(steps.StepEnable)
	f.keys("enter") // ticked after the passing test
	m = f.waitText("✓ Saved. Microsoft Entra ID SMTP Client is enabled.")
	if !strings.Contains(flat(m.View()), "SMTP Relay (settings kept)") {
		t.Errorf("summary does not say the relay was disabled:\n%s", m.View())
	}
	f.finish()
	cfg, err = config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled != config.ProviderEntra || cfg.Relay.Host != sb.Endpoints().RelayHost || cfg.Email.From != sandbox.DefaultMailbox {
		t.Errorf("after switching back: %+v", cfg)
	}
}

func TestFailuresAreDiagnosed(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		drive    func(f *flow)
		code     string
		raw      string // in the transcript
	}{
		{
			name: "relay refuses an untrusted server", scenario: "relay-not-trusted",
			drive: func(f *flow) {
				f.keys("up", "enter")
				f.waitStep(steps.StepServer)
				f.keys("enter")
				f.waitText("answers with STARTTLS (required)")
				f.keys("enter")
				f.waitStep(steps.StepCredentials)
				f.keys("enter")
				f.waitStep(steps.StepTest)
				f.keys("tab", "tab", "ctrl+u")
				f.paste("someone@example.net")
			},
			code: "relay.tenant-attribution", raw: "550 5.7.64 TenantAttribution; Relay Access Denied",
		},
		{
			name: "SMTP AUTH off for the mailbox", scenario: "smtp-auth-disabled-mailbox",
			drive: func(f *flow) { f.entraToTest(false) },
			code:  "smtp.auth-disabled-mailbox", raw: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := newFlow(t, startScenario(t, dir, tc.scenario), dir, 80, 24)
			tc.drive(f)
			f.keys("enter")
			m := f.wait("the test email to fail", func(m Model) bool { return !m.test().Running() && m.test().problem.p != nil })
			if got := string(m.test().problem.p.Code); got != tc.code {
				t.Errorf("diagnosed %s (%s), want %s", got, m.test().problem.p.Title, tc.code)
			}
			f.golden("problem", m)
			f.keys("ctrl+t")
			m = f.waitText("Transcript (secrets masked")
			f.keys("pgdown", "pgdown", "pgdown")
			m = f.snap()
			if !strings.Contains(flat(m.View()), tc.raw) && !strings.Contains(flat(strings.Join(m.test().result.Transcript, " ")), tc.raw) {
				t.Errorf("the transcript lacks %q:\n%s", tc.raw, strings.Join(m.test().result.Transcript, "\n"))
			}
			f.keys("enter")
			m = f.snap()
			if m.cur != steps.StepTest {
				t.Errorf("moved on to %s after a failed test", m.cur)
			}
			f.tm.Send(k("ctrl+c"))
			f.tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
		})
	}
}

func TestEscCancelsAHangingCheck(t *testing.T) {
	// A server that accepts connections and never says a word: the probe
	// would wait for its greeting until the check's time limit (a minute
	// here), so only a cancelled context ends it early.
	port, _ := sandboxtest.Silent(t)
	run, start := steps.Open(steps.Env{ConfigPath: filepath.Join(t.TempDir(), "config.json"), Timeout: time.Minute})
	m, _ := newModel(run, start)
	m, _ = press(t, m, "down", "enter") // Local SMTP: no sign-in before the server step
	m, cmd := send(t, m, k("ctrl+u"), paste("127.0.0.1:"+strconv.Itoa(port)), k("enter"))
	if !m.localSrv().Running() || cmd == nil {
		t.Fatalf("no probe running:\n%s", m.View())
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) == 0 {
		t.Fatalf("enter returned %T, want the probe and the spinner", cmd())
	}
	finished := make(chan tea.Msg, 1)
	go func() { finished <- batch[0]() }() // the probe, as Bubble Tea would run it
	m, _ = press(t, m, "esc")
	if m.localSrv().Running() || m.cur != steps.StepServer {
		t.Fatalf("esc: running %v, at %s", m.localSrv().Running(), m.cur)
	}
	var msg tea.Msg
	select {
	case msg = <-finished:
	case <-time.After(waitLimit):
		t.Fatal("the probe did not end when its context was cancelled")
	}
	r, ok := msg.(done[steps.ProbeResult])
	if !ok || r.err == nil {
		t.Fatalf("the cancelled probe returned %#v", msg)
	}
	if p, ok := diagnose.As(r.err); !errors.Is(r.err, context.Canceled) && (!ok || p.Code != diagnose.NetCancelled) {
		t.Errorf("the probe ended with %v, want a cancellation", r.err)
	}
	m, _ = send(t, m, r)
	if m.localSrv().problem.p != nil || m.cur != steps.StepServer {
		t.Errorf("the cancelled probe's result was shown: %+v", m.localSrv().problem.p)
	}
}

func TestSaveSettingsWithoutEnabling(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	path := filepath.Join(dir, "pimmail", "config.json")

	// Run 1: SMTP Relay, enabled.
	f := newFlow(t, sb, dir, 80, 24)
	f.keys("up", "enter")
	f.waitStep(steps.StepServer)
	f.keys("enter")
	f.waitText("answers with STARTTLS (required)")
	f.keys("enter")
	f.waitStep(steps.StepCredentials)
	f.keys("enter")
	f.waitStep(steps.StepTest)
	f.keys("ctrl+u")
	f.paste("pim@" + sandbox.RelayDomain)
	f.keys("enter")
	f.waitText("✓ Test email sent")
	f.keys("enter")
	f.waitStep(steps.StepEnable)
	f.keys("enter") // ticked after the passing test
	f.waitText("✓ Saved. SMTP Relay is enabled.")
	f.finish()

	// Run 2: Entra up to the test, which is skipped: its settings are saved,
	// SMTP Relay stays enabled.
	f = newFlow(t, sb, dir, 80, 24)
	f.keys("down", "enter")
	f.waitStep(steps.StepIDs)
	f.paste(sandbox.DefaultTenantID)
	f.keys("tab")
	f.paste(sandbox.DefaultClientID)
	f.keys("enter")
	f.waitStep(steps.StepSecret)
	f.paste(sandbox.DefaultClientSecret)
	f.keys("enter")
	f.wait("the mailbox to sign in", func(m Model) bool { return m.cur == steps.StepLogon && m.logon().phase == logonSignedIn })
	f.keys("enter")
	f.waitStep(steps.StepSmartHost)
	f.keys("enter")
	f.waitText("is ready for OAuth2 mail")
	f.keys("enter")
	f.waitStep(steps.StepTest)
	f.keys("ctrl+n")
	m := f.waitStep(steps.StepEnable)
	if v := flat(m.View()); !strings.Contains(v, "enter save settings only") || strings.Contains(v, "space") {
		t.Errorf("footer:\n%s", m.View())
	}
	f.keys("enter")
	m = f.waitText("✓ Saved the settings of Microsoft Entra ID SMTP Client; it is not enabled.")
	if !strings.Contains(flat(m.View()), "Enabled SMTP Relay (unchanged)") {
		t.Errorf("summary:\n%s", m.View())
	}
	final := f.finish()
	if sum, ok := final.Saved(); !ok || !sum.SettingsOnly {
		t.Errorf("Saved() = %+v, %v", sum, ok)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path)
	if cfg.Enabled != config.ProviderRelay || cfg.Entra.TenantID != sandbox.DefaultTenantID ||
		cfg.Entra.ClientID != sandbox.DefaultClientID || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("after saving the settings only: enabled %s, entra %+v", cfg.Enabled, cfg.Entra)
	}
}
