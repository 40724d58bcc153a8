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

// TestTLSTooOldForExchangeLeadsWithHostAndMiddlebox: TLS below 1.2 on the
// Entra provider's smart host is first a wrong host or a TLS-inspecting
// middlebox; the server-side commands (Postfix, SCHANNEL) are not the lead.
func TestTLSTooOldForExchangeLeadsWithHostAndMiddlebox(t *testing.T) {
	p := New(TLSTooOld, Facts{Host: "mail.contoso.com", Port: 587}, "tls 1.0", nil)
	Fill(p, Facts{ExchangeOnline: true})
	if !strings.HasPrefix(p.Fix, "Check the smart host first: for Exchange Online it is smtp.office365.com:587") ||
		strings.Contains(p.Fix, "postconf") || strings.Contains(p.Fix, "SCHANNEL") {
		t.Errorf("fix:\n%s", p.Fix)
	}
	if !strings.Contains(p.Explanation, "TLS-inspecting proxy") {
		t.Errorf("explanation:\n%s", p.Explanation)
	}
	// A relay keeps the server-side advice.
	if p := New(TLSTooOld, Facts{Host: "mail.contoso.com", Port: 25}, "tls 1.0", nil); !strings.Contains(p.Fix, "postconf") {
		t.Errorf("relay fix:\n%s", p.Fix)
	}
}
