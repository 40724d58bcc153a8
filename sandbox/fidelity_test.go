package sandbox

// The stand-ins as strict as the services: Entra's token shapes, sizes and
// lifetimes, opaque refresh tokens, the audience of client-credentials
// tokens, Exchange's size limit and its answers to a password.

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// payload decodes a JWT's claims (no signature check: the shape is tested).
func payload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDelegatedTokensLikeEntras: the device-code grant answers with an
// access token carrying the claim set of a real Exchange Online token,
// 1.5 to 3 KB long, a lifetime of 60 to 90 minutes that varies, and an
// opaque refresh token.
func TestDelegatedTokensLikeEntras(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	lifetimes := map[float64]bool{}
	for i := range 6 {
		m := requestCode(t, s)
		status, ans := pollUntilDone(t, s, m["device_code"].(string))
		if status != 200 {
			t.Fatalf("poll: %d %v", status, ans)
		}
		at := ans["access_token"].(string)
		if n := len(at); n < 1500 || n > 3000 {
			t.Errorf("access token is %d bytes, want Entra's 1.5 to 3 KB", n)
		}
		exp := ans["expires_in"].(float64)
		if exp < 3600 || exp > 5400 {
			t.Errorf("expires_in %v, want 60 to 90 minutes", exp)
		}
		lifetimes[exp] = true
		c := payload(t, at)
		for _, k := range []string{"aud", "iss", "iat", "nbf", "exp", "acct", "acr", "aio", "amr", "app_displayname", "appid", "appidacr",
			"family_name", "given_name", "idtyp", "ipaddr", "name", "oid", "puid", "rh", "scp", "sid", "sub", "tid", "unique_name", "upn",
			"uti", "ver", "wids", "xms_ftd", "xms_idrel", "xms_st", "xms_tcdt"} {
			if _, ok := c[k]; !ok {
				t.Errorf("access token lacks %s", k)
			}
		}
		if c["aud"] != OutlookAudience || c["scp"] != "SMTP.Send" || c["idtyp"] != "user" || c["ver"] != "1.0" {
			t.Errorf("aud %v scp %v idtyp %v ver %v", c["aud"], c["scp"], c["idtyp"], c["ver"])
		}
		if got, want := c["exp"].(float64)-c["iat"].(float64), exp; got != want {
			t.Errorf("exp-iat = %v, expires_in = %v", got, want)
		}
		rt := ans["refresh_token"].(string)
		if !strings.HasPrefix(rt, "1.A") || len(strings.Split(rt, ".")) == 3 || strings.HasPrefix(strings.TrimPrefix(rt, "1.A"), "eyJ") {
			t.Errorf("refresh token is not opaque: %.40s...", rt)
		}
		if i == 0 {
			t.Logf("access token %d bytes, refresh token %d bytes, expires_in %v", len(at), len(rt), exp)
		}
	}
	if len(lifetimes) < 2 {
		t.Errorf("six tokens, all with lifetime %v: Entra's vary", lifetimes)
	}
}

// TestClientCredentialsAudience: aud follows the resource asked for, roles
// hold only that resource's granted application permissions, and a
// Microsoft Graph token is issued as Entra issues it; Exchange refuses it.
func TestClientCredentialsAudience(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	for _, tc := range []struct {
		scope, aud string
		roles      []string
	}{
		{"https://outlook.office365.com/.default", "https://outlook.office365.com", []string{"SMTP.SendAsApp"}},
		{"https://outlook.office.com/.default", "https://outlook.office.com", []string{"SMTP.SendAsApp"}},
		{"https://graph.microsoft.com/.default", "https://graph.microsoft.com", nil},
	} {
		status, ans := postForm(t, s, tokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
			"client_secret": {DefaultClientSecret}, "scope": {tc.scope}})
		if status != 200 {
			t.Fatalf("%s: %d %v", tc.scope, status, ans)
		}
		at := ans["access_token"].(string)
		c := payload(t, at)
		var roles []string
		if r, ok := c["roles"].([]any); ok {
			for _, v := range r {
				roles = append(roles, v.(string))
			}
		} else if _, present := c["roles"]; present {
			t.Errorf("%s: roles claim %v", tc.scope, c["roles"])
		}
		if c["aud"] != tc.aud || !slices.Equal(roles, tc.roles) || c["idtyp"] != "app" || c["scp"] != nil {
			t.Errorf("%s: aud %v roles %v idtyp %v scp %v; want aud %s roles %v", tc.scope, c["aud"], roles, c["idtyp"], c["scp"], tc.aud, tc.roles)
		}
		if tc.aud == GraphAudience {
			c := exchangeSession(t, s, "", "")
			c.expect("AUTH XOAUTH2", "334 ")
			c.expect(xoauth2(DefaultMailbox, at), "535 5.7.3 Authentication unsuccessful ["+s.smtp().exchange.internalName()+"]")
		}
	}
}

// TestTokenScenarios: the scenarios that make Entra hand out a token
// pimmail must not use.
func TestTokenScenarios(t *testing.T) {
	for _, tc := range []struct{ scenario, aud, scp string }{
		{"token-graph", GraphAudience, "Mail.Send User.Read"},
		{"token-no-smtp-send", OutlookAudience, "IMAP.AccessAsUser.All"},
	} {
		s := startSandbox(t, fast(Options{Scenario: tc.scenario}))
		m := requestCode(t, s)
		status, ans := pollUntilDone(t, s, m["device_code"].(string))
		if status != 200 {
			t.Fatalf("%s: %d %v", tc.scenario, status, ans)
		}
		c := payload(t, ans["access_token"].(string))
		if c["aud"] != tc.aud || c["scp"] != tc.scp {
			t.Errorf("%s: aud %v scp %v", tc.scenario, c["aud"], c["scp"])
		}
	}
}

// TestPasswordAuthRefused: Exchange Online no longer takes a password;
// with basic-auth-retired it answers Microsoft's announced 550 5.7.30.
func TestPasswordAuthRefused(t *testing.T) {
	s := startSMTPSandbox(t, Options{Scenario: "basic-auth-retired"})
	c := exchangeSession(t, s, "", "")
	c.expect("AUTH LOGIN", "334 VXNlcm5hbWU6")
	c.expect(base64.StdEncoding.EncodeToString([]byte(DefaultMailbox)), "334 UGFzc3dvcmQ6")
	c.expect(base64.StdEncoding.EncodeToString([]byte("Winter2026!")), "550 5.7.30 Basic authentication is not supported for Client Submission.")
}

// TestExchangeMessageSizeLimit: a mailbox sends at most 35 MB a message by
// default, although EHLO advertises 150 MB: 552 5.3.4 after the data.
func TestExchangeMessageSizeLimit(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	tok := mintToken(t, s, DefaultMailbox, time.Hour)
	line := strings.Repeat("x", 998) + "\r\n"
	for _, tc := range []struct {
		size int
		want string
	}{
		{exoMaxSendSize - 4096, "250 2.0.0 OK"},
		{exoMaxSendSize + 4096, "552 5.3.4 Message size exceeds fixed maximum message size"},
	} {
		c := exchangeSession(t, s, DefaultMailbox, tok)
		c.expect("MAIL FROM:<"+DefaultMailbox+"> SIZE="+strconv.Itoa(tc.size), "250 2.1.0 Sender OK")
		c.expect("RCPT TO:<ops@example.com>", "250 2.1.5 Recipient OK")
		c.expect("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
		var b strings.Builder
		b.WriteString("From: <" + DefaultMailbox + ">\r\nTo: <ops@example.com>\r\nSubject: size\r\n\r\n")
		for b.Len() < tc.size {
			b.WriteString(line)
		}
		b.WriteString(".\r\n")
		c.write(b.String())
		if got := c.reply(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%d octets: %q, want %q", tc.size, got, tc.want)
		}
	}
}

// TestStateResetAfterSTARTTLS: RFC 3207 4.2: after STARTTLS the server
// forgets everything said in plain text, EHLO included.
func TestStateResetAfterSTARTTLS(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	c := dialRaw(t, s.Endpoints().SMTPPort)
	c.reply()
	c.cmd("EHLO pim.example")
	if got := c.cmd("STARTTLS"); got != "220 2.0.0 SMTP server ready\r\n" {
		t.Fatalf("STARTTLS: %q", got)
	}
	c.startTLS(clientTLS(s))
	c.expect("MAIL FROM:<"+DefaultMailbox+">", "503 5.5.2 Send hello first")
	c.expect("AUTH XOAUTH2", "503 5.5.2 Send hello first")
}

// pollUntilDone polls a device code until it is no longer pending (the
// sandbox approves it after ApproveAfter), for at most 5 s.
func pollUntilDone(t *testing.T, s *Sandbox, code string) (int, map[string]any) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, ans := poll(t, s, code)
		if ans["error"] != "authorization_pending" || time.Now().After(deadline) {
			return status, ans
		}
		time.Sleep(5 * time.Millisecond)
	}
}
