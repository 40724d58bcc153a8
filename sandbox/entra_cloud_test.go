package sandbox

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/cloud"
)

// TestEveryCloudEndToEnd signs the mailbox in with MSAL's device-code flow
// for each cloud's SMTP scope against a sandbox playing that cloud, checks
// the token as Exchange Online in that cloud would take it (audience,
// issuer, scope), then submits a message with it: the greeting names the
// cloud's Exchange Online.
func TestEveryCloudEndToEnd(t *testing.T) {
	for _, c := range cloud.All {
		t.Run(c.Name, func(t *testing.T) {
			s := startSandbox(t, fast(Options{Cloud: c.Name}))
			ctx := testCtx(t)
			// The tenant by its initial domain in that cloud, as an admin
			// of a GCC High tenant would paste it.
			pc := newPublic(t, s, TenantDomainIn(c), DefaultClientID)
			_, ar, err := deviceLogon(ctx, pc, c.SMTPScope)
			if err != nil {
				t.Fatalf("device-code sign-in for %s: %v", c.SMTPScope, err)
			}
			p := payload(t, ar.AccessToken)
			aud, _ := p["aud"].(string)
			if !slices.Contains(c.Audiences, aud) || aud != strings.TrimSuffix(c.SMTPScope, "/SMTP.Send") {
				t.Errorf("aud %q; the cloud's Exchange Online is %q", aud, c.Audiences)
			}
			if iss := p["iss"]; iss != "https://"+c.TokenIssuerHost+"/"+DefaultTenantID+"/" {
				t.Errorf("iss %v", iss)
			}
			if p["scp"] != "SMTP.Send" {
				t.Errorf("scp %v", p["scp"])
			}

			greeting := dialRaw(t, s.Endpoints().SMTPPort).reply()
			if !strings.Contains(greeting, "."+c.ExchangeDomain+" Microsoft ESMTP MAIL Service ready at ") {
				t.Errorf("greeting %q does not name %s", greeting, c.ExchangeDomain)
			}
			m := newMsg(t, DefaultMailbox, "ops@example.com")
			if err := exchangeClient(t, s, DefaultMailbox, ar.AccessToken).DialAndSendWithContext(smtpCtx(t), m); err != nil {
				t.Fatalf("send with the %s token: %v", c.Name, err)
			}

			// App-only: the cloud's /.default gives a token of the same
			// cloud.
			cc := newConfidential(t, s, DefaultTenantID, DefaultClientID, DefaultClientSecret)
			car, err := cc.AcquireTokenByCredential(ctx, []string{c.AppScope})
			if err != nil {
				t.Fatalf("client credentials for %s: %v", c.AppScope, err)
			}
			if aud := payload(t, car.AccessToken)["aud"]; aud != strings.TrimSuffix(c.AppScope, "/.default") {
				t.Errorf("app-only aud %v", aud)
			}
		})
	}
}

// TestTenantOfAnotherCloud: a sandbox playing one cloud does not know its
// tenant in another cloud's directory; Entra answers AADSTS90002, whose
// text tells the admin to check the cloud. GCC High and DoD share one.
func TestTenantOfAnotherCloud(t *testing.T) {
	for _, played := range cloud.All {
		s := startSandbox(t, fast(Options{Cloud: played.Name}))
		for _, asked := range cloud.All {
			pc := newPublic(t, s, DefaultTenantID, DefaultClientID)
			_, _, err := deviceLogon(testCtx(t), pc, asked.SMTPScope)
			if cloud.SameDirectory(played, asked) {
				if err != nil {
					t.Errorf("tenant in %s, asked in %s: %v", played.Name, asked.Name, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), "AADSTS90002") || !strings.Contains(err.Error(), "signing into the correct cloud") {
				t.Errorf("tenant in %s, asked in %s: %v; want AADSTS90002", played.Name, asked.Name, err)
			}
		}
		// Exchange in the played cloud takes no other cloud's token.
		for _, other := range cloud.All {
			if cloud.SameDirectory(played, other) {
				continue
			}
			tok := mintFor(t, s, strings.TrimSuffix(other.SMTPScope, "/SMTP.Send"))
			if _, err := s.verifyAccessToken(tok); err == nil {
				t.Errorf("Exchange in %s took a token for %s", played.Name, other.Name)
			}
		}
	}
}

// mintFor is a delegated SMTP.Send token for the default mailbox with aud.
func mintFor(t *testing.T, s *Sandbox, aud string) string {
	t.Helper()
	d := DefaultDirectory()
	tok, _, err := s.issueAccessTokenFor(d.Mailboxes[0], d.Apps[0], []string{"SMTP.Send"}, aud, 3600e9)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestCloudBySignInHost: reached as a cloud's sign-in host (through a
// TLS-terminating proxy), the documents name that host and cloud, and
// another cloud's Exchange resource does not exist there (AADSTS500011).
func TestCloudBySignInHost(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	h := s.entraHandler()
	for _, c := range cloud.All {
		req := httptest.NewRequest(http.MethodGet, "https://"+c.AuthorityHost+"/"+DefaultTenantID+"/v2.0/.well-known/openid-configuration", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		for _, w := range []string{`"issuer":"https://` + c.AuthorityHost + "/" + DefaultTenantID + `/v2.0"`,
			`"token_endpoint":"https://` + c.AuthorityHost + "/" + DefaultTenantID + `/oauth2/v2.0/token"`,
			`"cloud_instance_name":"` + c.InstanceName + `"`} {
			if !strings.Contains(body, w) {
				t.Errorf("%s: OpenID configuration lacks %s:\n%s", c.Name, w, body)
			}
		}
		req = httptest.NewRequest(http.MethodGet, "https://"+c.AuthorityHost+"/common/discovery/instance?api-version=1.1&authorization_endpoint=https://"+c.AuthorityHost+"/"+DefaultTenantID+"/oauth2/v2.0/authorize", nil)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `"preferred_network":"`+c.AuthorityHost+`"`) {
			t.Errorf("%s: instance discovery %d %s", c.Name, rec.Code, body)
		}
		for _, other := range cloud.All {
			form := "client_id=" + DefaultClientID + "&scope=" + other.SMTPScope + "+offline_access"
			req = httptest.NewRequest(http.MethodPost, "https://"+c.AuthorityHost+"/"+DefaultTenantID+"/oauth2/v2.0/devicecode", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			want := 200
			if !cloud.SameDirectory(c, other) {
				want = 400
			}
			if rec.Code != want || (want == 400 && !strings.Contains(rec.Body.String(), "AADSTS500011")) {
				t.Errorf("at %s for %s: %d %s", c.AuthorityHost, other.SMTPScope, rec.Code, rec.Body.String())
			}
		}
	}
}

// TestEveryCloudSandboxFollowsTheSignIn: a sandbox playing every cloud (as
// `pimmail --sandbox` starts it, before the cloud is chosen on step 2)
// signs the default tenant in for any cloud, and its Exchange stand-in then
// greets as that cloud's Exchange Online and takes the token.
func TestEveryCloudSandboxFollowsTheSignIn(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	if g := dialRaw(t, s.Endpoints().SMTPPort).reply(); !strings.Contains(g, ".outlook.office365.com ") {
		t.Errorf("before any sign-in the greeting is %q, want Global's", g)
	}
	for _, c := range []cloud.Cloud{cloud.USGov, cloud.China, cloud.Global} {
		_, ar, err := deviceLogon(testCtx(t), newPublic(t, s, DefaultTenantID, DefaultClientID), c.SMTPScope)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if g := dialRaw(t, s.Endpoints().SMTPPort).reply(); !strings.Contains(g, "."+c.ExchangeDomain+" ") {
			t.Errorf("after a %s sign-in the greeting is %q", c.Name, g)
		}
		m := newMsg(t, DefaultMailbox, "ops@example.com")
		if err := exchangeClient(t, s, DefaultMailbox, ar.AccessToken).DialAndSendWithContext(smtpCtx(t), m); err != nil {
			t.Fatalf("send with the %s token: %v", c.Name, err)
		}
	}
}
