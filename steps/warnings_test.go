package steps_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

func TestSignInWarnings(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.Local)
	day := 24 * time.Hour
	cases := []struct {
		name    string
		expires string
		method  config.SignInMethod
		written time.Time
		want    []string
	}{
		{"nothing known", "", "", time.Time{}, nil},
		{"secret in 31 days", "2027-01-05", "", now, nil},
		{"secret in 30 days", "2027-01-04", "", now, []string{"expires on 2027-01-04 (in 30 days)"}},
		{"secret expired", "2026-12-01", "", now, []string{"expired on 2026-12-01"}},
		{"refresh used 59 days ago", "", "", now.Add(-59 * day), nil},
		{"refresh unused 60 days", "", config.MethodAuthCode, now.Add(-60 * day), []string{"not been used for 60 days", "2027-01-04"}},
		{"app-only has no refresh token", "", config.MethodAppOnly, now.Add(-80 * day), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			c.Entra.SecretExpires, c.Entra.Method = tc.expires, tc.method
			got := strings.Join(steps.SignInWarnings(c, tc.written, now), "\n")
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("warned: %s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("warning lacks %q: %s", w, got)
				}
			}
		})
	}
}
