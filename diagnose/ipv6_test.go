package diagnose

import (
	"strings"
	"testing"
)

// TestIPv6AddressInTexts: host and port of an IPv6 literal read as one
// address in brackets ([::1]:25) wherever a text joins them, so the
// openssl command is copyable; a lone host stays bare (nc -vz ::1 25).
func TestIPv6AddressInTexts(t *testing.T) {
	p := New(SMTPNoGreeting, Facts{Host: "::1", Port: 25}, "no greeting", nil)
	if !strings.Contains(p.Fix, "openssl s_client -connect [::1]:25") || strings.Contains(p.Fix, "::1:25") {
		t.Errorf("fix does not bracket the IPv6 address:\n%s", p.Fix)
	}
	p = New(TLSHandshake, Facts{Host: "2001:db8::5", Port: 465}, "handshake", nil)
	if !strings.Contains(p.Explanation, "[2001:db8::5]:465") {
		t.Errorf("explanation: %s", p.Explanation)
	}
}
