package auth

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
)

// jwtWith builds an unsigned-looking JWT whose payload is the given JSON
// text, the way Entra lays tokens out (header.payload.signature, base64url
// without padding). Signatures are not checked by ParseClaims.
func jwtWith(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS256","kid":"k"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("signature"))
}

func jwtClaims(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return jwtWith(string(b))
}

func TestParseClaims(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		token   string
		want    Claims
		wantErr string
	}{
		{
			name: "delegated Outlook token as Entra issues it",
			token: jwtWith(`{"aud":"https://outlook.office.com","iss":"https://sts.windows.net/t/","scp":"SMTP.Send offline_access",` +
				`"upn":"alerts@contoso.com","unique_name":"other@contoso.com","tid":"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b","oid":"o-1","exp":1893553445}`),
			want: Claims{Audience: "https://outlook.office.com", Audiences: []string{"https://outlook.office.com"},
				Scopes: []string{"SMTP.Send", "offline_access"}, UPN: "alerts@contoso.com",
				TenantID: "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b", ObjectID: "o-1", ExpiresAt: exp},
		},
		{
			name:  "aud as an array, scp with extra spaces",
			token: jwtWith(`{"aud":["api://x","https://outlook.office365.com"],"scp":"  SMTP.Send   User.Read ","exp":1893553445}`),
			want: Claims{Audience: "api://x", Audiences: []string{"api://x", "https://outlook.office365.com"},
				Scopes: []string{"SMTP.Send", "User.Read"}, ExpiresAt: exp},
		},
		{
			name:  "unique_name when upn is missing",
			token: jwtWith(`{"unique_name":"u@contoso.com","preferred_username":"p@contoso.com"}`),
			want:  Claims{UPN: "u@contoso.com"},
		},
		{
			name:  "preferred_username as the last resort",
			token: jwtWith(`{"preferred_username":"p@contoso.com"}`),
			want:  Claims{UPN: "p@contoso.com"},
		},
		{
			name:  "client-credentials token: roles, no scp",
			token: jwtWith(`{"aud":"https://outlook.office365.com","roles":["SMTP.SendAsApp","Mail.Send"],"exp":1893553445}`),
			want: Claims{Audience: "https://outlook.office365.com", Audiences: []string{"https://outlook.office365.com"},
				Roles: []string{"SMTP.SendAsApp", "Mail.Send"}, ExpiresAt: exp},
		},
		{
			name:  "exp as a numeric string",
			token: jwtWith(`{"exp":"1893553445"}`),
			want:  Claims{ExpiresAt: exp},
		},
		{
			name:  "padded standard base64 payload is tolerated",
			token: "e30." + base64.StdEncoding.EncodeToString([]byte(`{"upn":"a@b.c","x":"??>"}`)) + ".sig",
			want:  Claims{UPN: "a@b.c"},
		},
		{name: "empty", token: "", wantErr: "not a signed JWT"},
		{name: "opaque token", token: "EwBwA8l6BAAU", wantErr: "not a signed JWT"},
		{name: "encrypted token (JWE, five parts)", token: "a.b.c.d.e", wantErr: "not a signed JWT"},
		{name: "payload not base64", token: "e30.!!!.sig", wantErr: "not base64url"},
		{name: "payload not JSON", token: "e30." + base64.RawURLEncoding.EncodeToString([]byte("hello")) + ".sig", wantErr: "not a JSON object"},
		{name: "aud a number", token: jwtWith(`{"aud":5}`), wantErr: "claim aud"},
		{name: "scp an object", token: jwtWith(`{"scp":{"a":1}}`), wantErr: "claim scp"},
		{name: "exp not a number", token: jwtWith(`{"exp":"soon"}`), wantErr: "claim exp"},
		{name: "exp absurd", token: jwtWith(`{"exp":1e300}`), wantErr: "claim exp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClaims(tt.token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseClaims error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if got.Audience != tt.want.Audience || !slices.Equal(got.Audiences, tt.want.Audiences) ||
				!slices.Equal(got.Scopes, tt.want.Scopes) || !slices.Equal(got.Roles, tt.want.Roles) ||
				got.UPN != tt.want.UPN || got.TenantID != tt.want.TenantID || got.ObjectID != tt.want.ObjectID ||
				!got.ExpiresAt.Equal(tt.want.ExpiresAt) {
				t.Errorf("ParseClaims =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

// A parse error must never quote the token: it is a credential.
func TestParseClaimsErrorsDoNotQuoteToken(t *testing.T) {
	for _, tok := range []string{
		"e30.c2VjcmV0LXBheWxvYWQtdGV4dA.sig", // payload "secret-payload-text"
		jwtWith(`{"aud":12345678901234,"upn":"secret-upn-value"}`),
		"onlyonepart-secretvalue",
	} {
		_, err := ParseClaims(tok)
		if err == nil {
			t.Fatalf("ParseClaims(%q) accepted a bad token", tok)
		}
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= 8 && strings.Contains(err.Error(), part) {
				t.Errorf("error %q quotes part of the token", err)
			}
		}
		if strings.Contains(err.Error(), "secret-") {
			t.Errorf("error %q quotes the payload", err)
		}
	}
}

func TestCheckSMTPClaims(t *testing.T) {
	tests := []struct {
		name  string
		cl    cloud.Cloud
		token string
		want  diagnose.Code // "" = accepted
	}{
		{"delegated global token", cloud.Global, jwtWith(`{"aud":"https://outlook.office.com","scp":"SMTP.Send"}`), ""},
		{"office365 audience with trailing slash, scp case", cloud.Global, jwtWith(`{"aud":"https://outlook.office365.com/","scp":"smtp.send User.Read"}`), ""},
		{"audience as the Exchange app ID", cloud.Global, jwtWith(`{"aud":"00000002-0000-0ff1-ce00-000000000000","scp":"SMTP.Send"}`), ""},
		{"aud array holding Outlook", cloud.Global, jwtWith(`{"aud":["https://graph.microsoft.com","https://outlook.office.com"],"scp":"SMTP.Send"}`), ""},
		{"zero cloud means Global", cloud.Cloud{}, jwtWith(`{"aud":"https://outlook.office.com","scp":"SMTP.Send"}`), ""},
		{"GCC High token", cloud.USGov, jwtWith(`{"aud":"https://outlook.office365.us","scp":"SMTP.Send"}`), ""},
		{"China token", cloud.China, jwtWith(`{"aud":"https://partner.outlook.cn","scp":"SMTP.Send"}`), ""},
		{"Graph token", cloud.Global, jwtWith(`{"aud":"https://graph.microsoft.com","scp":"Mail.Send User.Read"}`), diagnose.TokenWrongAudience},
		{"global token used in GCC High", cloud.USGov, jwtWith(`{"aud":"https://outlook.office.com","scp":"SMTP.Send"}`), diagnose.TokenWrongAudience},
		{"no aud at all", cloud.Global, jwtWith(`{"scp":"SMTP.Send"}`), diagnose.TokenWrongAudience},
		{"Outlook token without SMTP.Send", cloud.Global, jwtWith(`{"aud":"https://outlook.office.com","scp":"IMAP.AccessAsUser.All"}`), diagnose.TokenWrongScope},
		{"app-only token", cloud.Global, jwtWith(`{"aud":"https://outlook.office365.com","roles":["SMTP.SendAsApp"]}`), diagnose.TokenWrongScope},
		{"SMTP.SendAsApp is not SMTP.Send", cloud.Global, jwtWith(`{"aud":"https://outlook.office.com","scp":"SMTP.SendAsApp"}`), diagnose.TokenWrongScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClaims(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckSMTPClaims(c, tt.cl)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckSMTPClaims = %v, want accepted", err)
				}
				return
			}
			p, ok := diagnose.As(err)
			if !ok {
				t.Fatalf("CheckSMTPClaims = %v, want a *diagnose.Problem %s", err, tt.want)
			}
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s (%v)", p.Code, tt.want, p)
			}
			if p.Fix == "" || p.Raw == "" {
				t.Errorf("problem lacks a fix or raw text: %+v", p)
			}
		})
	}
}

func TestTenantFromIssuer(t *testing.T) {
	for iss, want := range map[string]string{
		"https://login.microsoftonline.com/7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B/v2.0": "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b",
		"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/":               "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"https://login.microsoftonline.com/{tenantid}/v2.0":                           "",
		"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0":              "",
		"::not a url": "",
	} {
		if got := tenantFromIssuer(iss); got != want {
			t.Errorf("tenantFromIssuer(%q) = %q, want %q", iss, got, want)
		}
	}
}

func TestCheckTenantInput(t *testing.T) {
	for tenant, ok := range map[string]bool{
		"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b": true,
		"contoso.onmicrosoft.com":              true,
		" contoso.com ":                        true,
		"":                                     false,
		"common":                               false,
		"Organizations":                        false,
		"contoso.com/../common":                false,
		"contoso.com?x=1":                      false,
		"con toso.com":                         false,
		"-contoso.com":                         false,
	} {
		err := checkTenantInput(Settings{TenantID: tenant})
		if ok != (err == nil) {
			t.Errorf("checkTenantInput(%q) = %v, want ok=%v", tenant, err, ok)
			continue
		}
		if err != nil {
			if p, isP := diagnose.As(err); !isP || p.Code != diagnose.EntraTenantNotFound {
				t.Errorf("checkTenantInput(%q) = %v, want %s", tenant, err, diagnose.EntraTenantNotFound)
			}
		}
	}
}

// FuzzParseClaims: any input is either rejected with an error or parsed;
// never a panic, and an error never quotes a long piece of the input.
func FuzzParseClaims(f *testing.F) {
	seeds := []string{
		"",
		".",
		"..",
		"a.b.c",
		"e30.e30.e30",
		jwtWith(`{"aud":"https://outlook.office.com","scp":"SMTP.Send","upn":"a@b.c","exp":1893553445}`),
		jwtWith(`{"aud":["x","y"],"roles":["SMTP.SendAsApp"],"exp":"1893553445"}`),
		jwtWith(`{"aud":null,"scp":null,"exp":null}`),
		jwtWith(`{"exp":-1e12}`),
		jwtWith(`{"exp":1.5}`),
		jwtWith(`[1,2,3]`),
		jwtWith(`{"scp":"` + strings.Repeat("S ", 100) + `"}`),
		"e30." + base64.StdEncoding.EncodeToString([]byte(`{"upn":"??>"}`)) + ".x",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseClaims(tok)
		if err != nil {
			for _, part := range strings.Split(tok, ".") {
				if len(part) >= 16 && strings.Contains(err.Error(), part) {
					t.Fatalf("error %q quotes the input", err)
				}
			}
			return
		}
		if len(c.Audiences) > 0 && c.Audience != c.Audiences[0] {
			t.Fatalf("Audience %q is not the first of %q", c.Audience, c.Audiences)
		}
		for _, s := range c.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\n") {
				t.Fatalf("scope %q not split on spaces", s)
			}
		}
		// Whatever parses can be checked without a panic.
		_ = CheckSMTPClaims(c, cloud.Global)
	})
}
