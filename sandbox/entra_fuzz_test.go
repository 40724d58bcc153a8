package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeUserCode(t *testing.T) {
	cases := []struct{ typed, want string }{
		{"GH7K2MPQX", "GH7K2MPQX"},
		{"gh7k2mpqx", "GH7K2MPQX"},
		{" GH7K-2MPQX ", "GH7K2MPQX"},
		{"GH7K 2MP QX", "GH7K2MPQX"},
		{"GH7K2MPQ", ""},   // too short
		{"GH7K2MPQXY", ""}, // too long
		{"GH7K2MPQ!", ""},  // not a letter or digit
		{"GH7K2MPQÉ", ""},  // not ASCII
		{"", ""},
	}
	for _, tc := range cases {
		if got := normalizeUserCode(tc.typed); got != tc.want {
			t.Errorf("normalizeUserCode(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
	for range 100 {
		c := newUserCode()
		if normalizeUserCode(strings.ToLower(c)) != c || !userCodeRE.MatchString(c) {
			t.Fatalf("generated code %q does not survive being typed in lower case", c)
		}
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"GH7K2MPQX", "gh7k-2mpqx", " A B C D E F G H J ", "ÀÀÀÀÀÀÀÀÀ", "123456789\x00", strings.Repeat("A", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		got := normalizeUserCode(typed)
		if got == "" {
			return
		}
		if !userCodeRE.MatchString(got) {
			t.Fatalf("normalizeUserCode(%q) = %q: not 9 upper-case letters/digits", typed, got)
		}
		if normalizeUserCode(got) != got {
			t.Fatalf("not idempotent on %q", got)
		}
	})
}

func TestTenantSegments(t *testing.T) {
	s := startSandbox(t, Options{})
	cases := []struct {
		seg  string
		id   string
		code int
	}{
		{DefaultTenantID, DefaultTenantID, 0},
		{strings.ToUpper(DefaultTenantID), DefaultTenantID, 0},
		{DefaultTenantDomain, DefaultTenantID, 0},
		{"Contoso-Sandbox.OnMicrosoft.com", DefaultTenantID, 0},
		{"fabrikam.onmicrosoft.com", "", 90002},
		{"0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e", "", 90002},
		{DefaultClientID, "", 90002}, // the client ID pasted as the tenant
		{"contoso", "", 900023},
		{"contoso..com", "", 900023},
		{"-contoso.com", "", 900023},
	}
	for _, tc := range cases {
		got, e := s.resolveTenant(tc.seg, "invalid_request")
		code := 0
		if e != nil {
			code = e.code
		}
		if got.ID != tc.id || code != tc.code {
			t.Errorf("resolveTenant(%q) = %q, AADSTS%d; want %q, AADSTS%d", tc.seg, got.ID, code, tc.id, tc.code)
		}
	}
}

func FuzzResolveTenant(f *testing.F) {
	s, err := Start(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	for _, seg := range []string{DefaultTenantID, DefaultTenantDomain, "common", "x", "a.b", "é.com", "-.-", ""} {
		f.Add(seg)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		got, e := s.resolveTenant(seg, "invalid_request")
		if e == nil && got.ID != DefaultTenantID && got.Multi == "" {
			t.Fatalf("resolveTenant(%q) resolved to %+v", seg, got)
		}
		if e != nil && !slices.Contains([]int{90002, 900023}, e.code) {
			t.Fatalf("resolveTenant(%q): unexpected AADSTS%d", seg, e.code)
		}
	})
}

func TestParseScopes(t *testing.T) {
	s := startSandbox(t, Options{})
	app := DefaultDirectory().Apps[0]
	cases := []struct {
		scope string
		code  int
		perms []string
	}{
		{"https://outlook.office.com/SMTP.Send openid offline_access profile", 0, []string{"SMTP.Send"}},
		{"https://outlook.office365.com/SMTP.Send offline_access", 0, []string{"SMTP.Send"}},
		{"https://OUTLOOK.office.com/smtp.send", 0, []string{"SMTP.Send"}},
		{"https://outlook.office.com/.default openid", 0, []string{"SMTP.Send"}},
		{"https://outlook.office.com/SMTP.Sendd", 70011, nil},
		{"SMTP.Send openid", 70011, nil},
		{"openid profile", 70011, nil},
		{"https://outlook.office.com/", 70011, nil},
		{"https://graph.microsoft.com/Mail.Send", 500011, nil},
		{"https://outlook.office.com/SMTP.Send https://outlook.office365.com/SMTP.Send", 70011, nil},
		{"", 900144, nil},
	}
	for _, tc := range cases {
		q, e := s.parseScopes(tc.scope, DefaultTenantID)
		var perms []string
		if e == nil {
			perms, e = q.delegatedPerms(app)
		}
		code := 0
		if e != nil {
			code = e.code
		}
		if code != tc.code || !slices.Equal(perms, tc.perms) {
			t.Errorf("scope %q: AADSTS%d %v; want AADSTS%d %v", tc.scope, code, perms, tc.code, tc.perms)
		}
	}
}

func FuzzParseScopes(f *testing.F) {
	s, err := Start(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	for _, sc := range []string{smtpScope + " openid offline_access profile", appScope, "/", "a/b/c", "https://outlook.office.com//", " \t "} {
		f.Add(sc)
	}
	app := DefaultDirectory().Apps[0]
	f.Fuzz(func(t *testing.T, raw string) {
		q, e := s.parseScopes(raw, DefaultTenantID)
		if e != nil {
			if !slices.Contains([]int{70011, 500011, 900144}, e.code) {
				t.Fatalf("parseScopes(%q): unexpected AADSTS%d", raw, e.code)
			}
			return
		}
		if !isExchangeResource(q.resource) {
			t.Fatalf("parseScopes(%q) accepted resource %q", raw, q.resource)
		}
		perms, _ := q.delegatedPerms(app)
		for _, p := range perms {
			if !slices.Contains(exchangeDelegated, p) {
				t.Fatalf("parseScopes(%q) granted %q", raw, p)
			}
		}
		if _, e2 := s.appScopeResource(raw, DefaultTenantID); e2 != nil && !slices.Contains([]int{70011, 500011, 1002012}, e2.code) {
			t.Fatalf("appScopeResource(%q): unexpected AADSTS%d", raw, e2.code)
		}
	})
}
