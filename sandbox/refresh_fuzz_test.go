package sandbox

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseRefreshToken: whatever a client sends as refresh_token, the
// stand-in never panics, never accepts what it did not issue, and tells a
// malformed token (AADSTS9002313) from a sealed one it cannot open
// (AADSTS70008). Its own tokens open to what was sealed.
func FuzzParseRefreshToken(f *testing.F) {
	s, err := Start(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	mbx, _, _ := s.mailboxByUPN(DefaultMailbox)
	good, err := s.issueRefreshToken(mbx, s.dir.Apps[0], "https://outlook.office.com/SMTP.Send offline_access", time.Now())
	if err != nil {
		f.Fatal(err)
	}
	c, err := s.parseRefreshToken(good)
	if err != nil || c.UPN != DefaultMailbox || c.AppID != DefaultClientID || c.TenantID != DefaultTenantID {
		f.Fatalf("own refresh token: %+v, %v", c, err)
	}
	for _, seed := range []string{good, good[:len(good)-1], good + "A", "1.A", "1.AAAA", "0.AXEA.x.y",
		"eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln", "", strings.Repeat("1.A", 300)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := s.parseRefreshToken(raw)
		switch {
		case err == nil && got.ID != c.ID:
			// (Another base64 spelling of its own token opens to the same
			// record: that is the same token.)
			t.Fatalf("accepted a refresh token it did not issue: %q -> %+v", raw, got)
		case err != nil && !errors.Is(err, errRefreshMalformed) && !errors.Is(err, errRefreshUnusable):
			t.Fatalf("unexpected error %v", err)
		case err != nil && !strings.HasPrefix(raw, refreshPrefix) && !errors.Is(err, errRefreshMalformed):
			t.Fatalf("%q is not one of its refresh tokens at all, but reads as unusable", raw)
		}
	})
}
