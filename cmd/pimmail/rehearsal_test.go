package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
)

// A support engineer rehearses a customer's failure on a sandbox
// configuration: --scenario for test and status, and the debug log keeps
// the Entra trace and correlation IDs Microsoft support asks for.
func TestScenarioRehearsal(t *testing.T) {
	// An access token that needs refreshing at once (under MSAL's 5-minute
	// margin), so the test asks Entra and meets the revoked sign-in.
	path := sandboxConfigOpts(t, config.ProviderEntra, func(o *sandbox.Options) { o.AccessTokenLifetime = time.Minute }, nil)
	logFile := filepath.Join(t.TempDir(), "debug.log")
	r := pimmailEnv(t, []string{"PIMMAIL_DEBUG_LOG=" + logFile}, "test", "--config", path, "--scenario", "refresh-revoked")
	expect(t, r, 1, "Sandbox scenario: refresh-revoked", "The saved sign-in was revoked", "AADSTS50173", "Trace ID: ")
	noSecrets(t, r)
	trace := regexp.MustCompile(`Trace ID: ([0-9a-f-]{36})`).FindStringSubmatch(r.stderr)
	corr := regexp.MustCompile(`Correlation ID: ([0-9a-f-]{36})`).FindStringSubmatch(r.stderr)
	if trace == nil || corr == nil {
		t.Fatalf("no trace or correlation ID in the details: %v", r)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "entra.grant-revoked (Entra trace ID "+trace[1]+", correlation ID "+corr[1]+")") {
		t.Errorf("the debug log lacks the code with its Entra IDs:\n%s", log)
	}
	for _, s := range []string{sandbox.DefaultClientSecret, "eyJ"} {
		if strings.Contains(string(log), s) {
			t.Errorf("the debug log shows a secret (%q)", s)
		}
	}

	if strings.Contains(r.stdout, "the failure shows once") {
		t.Errorf("the failure shows, yet pimmail says it will later:\n%v", r)
	}
	r = pimmail(t, "status", "--config", path, "--scenario", "refresh-revoked")
	expect(t, r, 1, "Token now:     no", "revoked")
	if strings.Contains(r.stdout, "the failure shows once") {
		t.Errorf("the failure shows, yet pimmail says it will later:\n%v", r)
	}
	// Without the scenario, the same saved sign-in works again.
	expect(t, pimmail(t, "status", "--config", path), 0, "Token now:     yes")

	expect(t, pimmail(t, "test", "--config", path, "--scenario", "no-such-thing"), 2, `unknown scenario "no-such-thing"`, "refresh-revoked")
	expect(t, pimmail(t, "status", "--config", localConfig(t), "--scenario", "declined"), 2, "only with a sandbox configuration")
	expect(t, pimmail(t, "test", "--config", localConfig(t), "--scenario", "declined"), 2, "only with a sandbox configuration")
}

// While `pimmail sandbox` runs, its scenario is the one used, and status
// shows the endpoints it listens on now, not the saved ones.
func TestScenarioOfRunningSandbox(t *testing.T) {
	path := sandboxConfig(t, config.ProviderRelay, nil)
	saved, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := startForeground(t, "--state-dir", config.SandboxDir(path))
	relay := regexp.MustCompile(`SMTP relay\s+(127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
	if relay == nil {
		t.Fatalf("no relay address printed:\n%s", text)
	}
	r := pimmail(t, "test", "--config", path, "--scenario", "relay-not-trusted")
	expect(t, r, 0, "Using the sandbox running in process", "(scenario none)", "its scenario is used, not --scenario relay-not-trusted", "Server reply: 250")

	r = pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Server:        "+relay[1]+" (STARTTLS")
	if old := saved.Relay.Host + ":" + strconv.Itoa(saved.Relay.Port); old != relay[1] && strings.Contains(r.stdout, old) {
		t.Errorf("status shows the saved, stale relay %s:\n%s", old, r.stdout)
	}
}

// With no sandbox involved, pimmail trusts the system's roots, and so
// honours SSL_CERT_FILE: the fix for a private CA or a TLS-inspecting
// proxy. The sandbox's CA stands in for such a CA here.
func TestSSLCertFile(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	ep := sb.Endpoints()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderRelay
	c.Relay = config.SMTP{Host: ep.RelayHost, Port: ep.RelayPort, TLS: config.TLSStartTLS}
	c.Email.From = "pim@" + sandbox.RelayDomain
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "private-ca.pem")
	if err := os.WriteFile(ca, sb.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	r := pimmailEnv(t, []string{"SSL_CERT_FILE=", "SSL_CERT_DIR=" + t.TempDir()}, "test", "--config", path)
	expect(t, r, 1, "The server's certificate is not trusted", "SSL_CERT_FILE", "--sandbox", "update-ca-certificates")
	if len(sb.Messages()) != 0 {
		t.Fatal("a message went through an untrusted connection")
	}
	r = pimmailEnv(t, []string{"SSL_CERT_FILE=" + ca}, "test", "--config", path)
	expect(t, r, 0, "Server reply: 250")
	if len(sb.Messages()) != 1 {
		t.Errorf("the relay stand-in got %d messages, want 1", len(sb.Messages()))
	}
}

func TestWhenPluralises(t *testing.T) {
	now := time.Now()
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{61 * time.Second, ", 1 minute ago"},
		{5 * time.Minute, ", 5 minutes ago"},
		{61 * time.Minute, ", 1 hour ago"},
		{3 * time.Hour, ", 3 hours ago"},
		{49 * time.Hour, ", 2 days ago"},
	}
	for _, tt := range tests {
		if got := when(now.Add(-tt.ago)); !strings.HasSuffix(got, tt.want) {
			t.Errorf("when(-%v) = %q, want it to end in %q", tt.ago, got, tt.want)
		}
	}
}

// The summary after saving says what really happened.
func TestSavedText(t *testing.T) {
	sum := steps.SaveSummary{ConfigPath: "/etc/pimmail/config.json", Provider: config.ProviderLocal,
		Backup: "/etc/pimmail/config.json.broken-20250101T000000Z"}
	got := strings.Join(strings.Fields(savedText(sum, "", false)), " ")
	for _, w := range []string{"Local SMTP is enabled", "could not be used, so its settings are not in the new file",
		"/etc/pimmail/config.json.broken-20250101T000000Z"} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q: %s", w, got)
		}
	}
	if strings.Contains(got, "settings are kept") {
		t.Errorf("summary claims settings were kept: %s", got)
	}
	sum = steps.SaveSummary{ConfigPath: "/c.json", Provider: config.ProviderLocal, SettingsOnly: true,
		NotSaved: []string{"From address and display name (used by Local SMTP, enabled now)"}}
	got = strings.Join(strings.Fields(savedText(sum, "", false)), " ")
	for _, w := range []string{"without enabling them; Local SMTP stays enabled", "Not saved", "From address"} {
		if !strings.Contains(got, w) {
			t.Errorf("settings-only summary lacks %q: %s", w, got)
		}
	}
	if strings.Contains(got, "Local SMTP is enabled.") {
		t.Errorf("settings-only summary claims an enable: %s", got)
	}
	// Run again means on the same file: with --config, the command says so.
	got = strings.Join(strings.Fields(savedText(sum, "/srv/pim mail.json", true)), " ")
	for _, w := range []string{"Run pimmail --sandbox --config '/srv/pim mail.json' again", "kept apart from the real one",
		"pimmail test --sandbox --config '/srv/pim mail.json'"} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q: %s", w, got)
		}
	}

}

// A revoked or expired sign-in shows only when the saved access token is
// renewed: until it expires (about an hour) Exchange keeps accepting it, as
// after a real password reset. test and status say so, with the time,
// instead of showing nothing.
func TestRefreshScenarioWithValidToken(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	note := "the failure shows once the saved access token expires at"
	said := func(r result, want string) bool {
		return strings.Contains(strings.Join(strings.Fields(r.stdout), " "), want)
	}
	for _, sc := range []string{"refresh-revoked", "refresh-inactive"} {
		for _, cmd := range []string{"status", "test"} {
			r := pimmail(t, cmd, "--config", path, "--scenario", sc)
			expect(t, r, 0)
			for _, w := range []string{"Note: scenario " + sc + ": " + note, "Exchange Online keeps accepting the token already issued, as after a real password reset"} {
				if !said(r, w) {
					t.Errorf("pimmail %s --scenario %s does not say %q:\n%v", cmd, sc, w, r)
				}
			}
		}
	}
	// No scenario, or one that does not touch the sign-in: no note.
	for _, args := range [][]string{{"status"}, {"test"}, {"status", "--scenario", "throttled"}} {
		r := pimmail(t, append(args, "--config", path)...)
		expect(t, r, 0)
		if said(r, note) {
			t.Errorf("pimmail %v explains a failure that is not rehearsed:\n%v", args, r)
		}
	}
}

// Exchange counts a mailbox's sending rate across connections and
// sessions; the sandbox, started anew by each `pimmail test`, counts the
// mail it stored before. In the throttled scenario (2 a minute) the third
// test in a row meets the limit.
func TestThrottledAcrossRuns(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	for i := range 2 {
		if r := pimmail(t, "test", "--config", path, "--scenario", "throttled"); r.code != 0 {
			t.Fatalf("test %d of 3: %v", i+1, r)
		}
	}
	r := pimmail(t, "test", "--config", path, "--scenario", "throttled")
	expect(t, r, 1, "Sending too fast", "30 messages a minute", "421 4.4.2")
	if n := mailIn(t, path); n != 2 {
		t.Errorf("the sandbox stored %d messages, want 2", n)
	}
}

// Plain `pimmail` on a sandbox configuration does not run the wizard in
// real mode (it would send the sandbox's IDs to Microsoft), nor quietly in
// sandbox mode (plain pimmail always means real): it says to add --sandbox,
// with which --scenario works. Without a terminal the wizard then stops
// where it always does.
func TestWizardOnSandboxConfigNeedsSandboxFlag(t *testing.T) {
	sb := sandboxConfig(t, config.ProviderRelay, nil)
	expect(t, pimmail(t, "--config", sb, "--scenario", "throttled"), 2, "pimmail --sandbox --config "+sb)
	expect(t, pimmail(t, "--sandbox", "--config", sb, "--scenario", "throttled"), 2, "needs a terminal")
	expect(t, pimmail(t, "--config", localConfig(t), "--scenario", "throttled"), 2, "--scenario works only with --sandbox")
}
