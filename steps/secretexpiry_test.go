package steps

import (
	"testing"
	"time"
)

func TestValidateSecretExpiry(t *testing.T) {
	// Mid-afternoon, so a guard comparing with the moment instead of the
	// day would refuse today.
	now := time.Date(2026, 12, 5, 15, 30, 0, 0, time.UTC)
	ok := []struct{ in, want string }{
		{"", ""},    // unknown: optional
		{" \n", ""}, // only white space from a paste: unknown
		{"2027-06-30", "2027-06-30"},
		{" 2027-06-30\n", "2027-06-30"}, // pasted with its surroundings
		{"6/30/2027", "2027-06-30"},     // the portal's Expires column
		{"12/5/2026", "2026-12-05"},     // today: still valid until it ends
		{"2026-12-05", "2026-12-05"},
		{"01/02/2027", "2027-01-02"}, // zero-padded month and day
	}
	for _, tt := range ok {
		got, err := ValidateSecretExpiry(tt.in, now)
		if err != nil || got != tt.want {
			t.Errorf("ValidateSecretExpiry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"2026-12-04", "is 2026-12-04, a date in the past"},
		{"12/4/2026", "is 2026-12-04, a date in the past"},
		{"2020-01-01", "New client secret"},
		{"30/6/2027", "is not a date"}, // day first: not the portal's form
		{"2027-02-30", "is not a date"},
		{"next year", "is not a date"},
		{"2027-06-30T00:00:00Z", "is not a date"},
	}
	for _, tt := range bad {
		got, err := ValidateSecretExpiry(tt.in, now)
		if got != "" {
			t.Errorf("ValidateSecretExpiry(%q) returned %q with its error", tt.in, got)
		}
		fieldErr(t, tt.in, err, FieldSecretExpires, tt.want)
	}
}
