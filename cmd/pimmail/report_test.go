package main

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
)

// reportRelayPassword is a relay password kept in the report tests'
// configuration (the Entra provider is the enabled one; the relay's
// settings are kept beside it, as after switching providers).
const reportRelayPassword = "relay-Passw0rd-in-the-report"

// reportConfig is a signed-in sandbox Entra configuration that also holds
// a relay login.
func reportConfig(t *testing.T) string {
	t.Helper()
	return sandboxConfig(t, config.ProviderEntra, func(c *config.Config) {
		c.Relay.Host, c.Relay.Port, c.Relay.TLS = "relay.contoso.example", 587, config.TLSStartTLS
		c.Relay.Username, c.Relay.Password = "pim@contoso.example", secret.New(reportRelayPassword)
	})
}

// knownSecrets is every secret the sandbox run knows: the client secret,
// the relay password, the access and refresh tokens in the token cache,
// and the XOAUTH2 line made of the access token, raw and in base64.
func knownSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	found := map[string]string{
		"client secret":  sandbox.DefaultClientSecret,
		"relay password": reportRelayPassword,
	}
	b, err := os.ReadFile(config.CachePath(path))
	if err != nil {
		t.Fatal(err)
	}
	cache := string(b)
	n := 0
	for _, m := range regexp.MustCompile(`"secret"\s*:\s*"([^"]+)"`).FindAllStringSubmatch(cache, -1) {
		n++
		kind := "refresh token"
		if strings.HasPrefix(m[1], "eyJ") {
			kind = "access token"
			line := "user=" + sandbox.DefaultMailbox + "\x01auth=Bearer " + m[1] + "\x01\x01"
			found["XOAUTH2 line"] = line
			found["XOAUTH2 line (base64)"] = base64.StdEncoding.EncodeToString([]byte(line))
		}
		found[kind+" "+string(rune('0'+n))] = m[1]
	}
	if _, ok := found["XOAUTH2 line"]; !ok || n < 2 {
		t.Fatalf("the token cache holds no access and refresh token to look for (%d secrets)", n)
	}
	// The start of any JWT, and of any base64 "user=" (an XOAUTH2 line).
	found["a JWT"] = "eyJ"
	found["a base64 XOAUTH2 line"] = "dXNlcj"
	return found
}

// leaks lists the known secrets text shows.
func leaks(text string, secrets map[string]string) []string {
	var out []string
	for what, s := range secrets {
		if strings.Contains(text, s) {
			out = append(out, what)
		}
	}
	return out
}

// After every sandbox scenario (a test that meets it, then the report),
// the support report holds the facts support needs and none of the
// secrets the sandbox knows.
func TestReportAfterEveryScenarioHidesEverySecret(t *testing.T) {
	path := reportConfig(t)
	dir := t.TempDir()
	for _, sc := range sandbox.ScenarioNames() {
		t.Run(sc, func(t *testing.T) {
			tr := pimmail(t, "test", "--verbose", "--config", path, "--scenario", sc)
			out := filepath.Join(dir, sc+".txt")
			r := pimmail(t, "report", "--config", path, "--scenario", sc, "--output", out)
			expect(t, r, 0, "Support report written to "+out)
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("the report is mode %04o, want 0600", st.Mode().Perm())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			if l := leaks(text, knownSecrets(t, path)); len(l) > 0 {
				t.Fatalf("the report after scenario %s shows %v:\n%s", sc, l, text)
			}
			for _, want := range []string{"Version:        " + testVersion, "OS:             ", "== Configuration ==",
				`"clientSecret": "` + secret.Mask, `"password": "set (` + secret.Mask + `)"`, `"schema": 1`,
				"sign-in (Entra ID), 127.0.0.1:", "smart host (Exchange Online), 127.0.0.1:", "DNS:  127.0.0.1",
				"issued by "} {
				if !strings.Contains(text, want) {
					t.Errorf("the report lacks %q:\n%s", want, text)
				}
			}
			if tr.code != 0 {
				// The failure the test met is in the report with its fix.
				if !strings.Contains(text, "Last test, ") || !strings.Contains(text, "    Fix:") {
					t.Errorf("the failed test (%v) is not among the last failures:\n%s", tr, text)
				}
			} else if !strings.Contains(text, "S: 250-AUTH LOGIN XOAUTH2") || !strings.Contains(text, "S: 235 ") {
				t.Errorf("the passing test's conversation is not in the report:\n%s", text)
			}
			if sc == "tls-old" && !strings.Contains(text, "TLS:  failed") {
				t.Errorf("an SMTP stand-in with TLS 1.0/1.1 only, yet the check's TLS did not fail:\n%s", text)
			}
			if sc == "refresh-revoked" && strings.Contains(text, "AADSTS50173") && !regexp.MustCompile(`trace ID [0-9a-f-]{36}, correlation ID [0-9a-f-]{36}`).MatchString(text) {
				t.Errorf("an Entra failure without its trace and correlation IDs:\n%s", text)
			}
		})
	}
}

// The mutation check of the test above: the same report with the masking
// taken out shows the secrets, so the search would catch a leak; with the
// masking in, nothing.
func TestReportMaskingIsWhatHidesTheSecrets(t *testing.T) {
	path := reportConfig(t)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := pimmail(t, "test", "--verbose", "--config", path); r.code != 0 {
		t.Fatalf("test: %v", r)
	}
	secrets := knownSecrets(t, path)
	none := masking{config: func(c config.Config) config.Config { return c }, text: func(s string, _ []secret.Secret) string { return s }}
	text := buildReport(context.Background(), path, cfg, "", io.Discard, none)
	got := strings.Join(leaks(text, secrets), ", ")
	for _, want := range []string{"client secret", "relay password"} {
		if !strings.Contains(got, want) {
			t.Errorf("without masking the report should show the %s; it shows %q", want, got)
		}
	}
	// Each layer alone hides the configuration's secrets.
	onlyConfig := masking{config: productionMask.config, text: none.text}
	onlyText := masking{config: none.config, text: productionMask.text}
	for name, m := range map[string]masking{"all": productionMask, "config fields only": onlyConfig, "last pass only": onlyText} {
		text := buildReport(context.Background(), path, cfg, "", io.Discard, m)
		if l := leaks(text, secrets); len(l) > 0 {
			t.Errorf("masking %s: the report shows %v", name, l)
		}
	}
}

func TestProxyTextHidesThePassword(t *testing.T) {
	got := proxyText("http://svc:Pr0xy-Secret@proxy.contoso.example:3128")
	if strings.Contains(got, "Pr0xy-Secret") || !strings.Contains(got, "svc:"+secret.Mask+"@proxy.contoso.example:3128") {
		t.Errorf("proxyText = %q", got)
	}
	if got := proxyText("proxy.contoso.example:3128"); got != "proxy.contoso.example:3128" {
		t.Errorf("no URL: %q", got)
	}
}
