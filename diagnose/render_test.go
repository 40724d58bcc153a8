package diagnose

import (
	"regexp"
	"strings"
	"testing"
)

// inCommands returns the commands (text between backticks) of a fix,
// joined, for comparing what the admin must type.
func inCommands(fix string) string {
	parts := strings.Split(fix, "`")
	var cmds []string
	for i := 1; i < len(parts)-1; i += 2 {
		cmds = append(cmds, parts[i])
	}
	return strings.Join(cmds, "\n")
}

// prose returns a fix without its commands.
func prose(fix string) string {
	parts := strings.Split(fix, "`")
	var out []string
	for i := 0; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return strings.Join(out, " ")
}

// gap is a space before a comma or full stop: a fact left out.
var gap = regexp.MustCompile(` [.,](\s|$)`)

var rawPlaceholder = regexp.MustCompile(`<(mailbox|from|clientId|tenant|host|port)>`)

// leftovers finds raw placeholders and unresolved template syntax in a
// text meant as sentences.
func leftovers(text string) []string {
	out := rawPlaceholder.FindAllString(text, -1)
	for _, c := range []string{"{", "}", "|"} {
		if strings.Contains(text, c) {
			out = append(out, c)
		}
	}
	return out
}

// TestNoRawPlaceholders: with nothing known yet (the declined sign-in and
// a Conditional Access block come before the mailbox is known), titles and
// explanations read as sentences, and fixes keep placeholders only inside
// commands. Every catalogue entry and every variant of one is checked.
func TestNoRawPlaceholders(t *testing.T) {
	type tc struct {
		name string
		code Code
		f    Facts
	}
	var cases []tc
	for _, e := range Catalogue() {
		cases = append(cases, tc{string(e.Code), e.Code, Facts{}})
	}
	for _, v := range variants {
		f := Facts{LocalSMTP: true}
		switch {
		case v.applies(Facts{Host: "login.microsoftonline.com"}):
			f = Facts{Host: "login.microsoftonline.com"}
		case v.applies(Facts{Host: "smtp.office365.com"}):
			f = Facts{Host: "smtp.office365.com"}
		case v.applies(Facts{Host: "localhost"}):
			f = Facts{Host: "localhost"}
		case v.applies(Facts{TLS: "none"}):
			f = Facts{TLS: "none"}
		case v.applies(Facts{TLS: "starttls"}):
			f = Facts{TLS: "starttls"}
		case v.applies(Facts{ExchangeOnline: true}):
			f = Facts{ExchangeOnline: true}
		}
		if !v.applies(f) {
			t.Fatalf("variant of %s: no test facts make it apply", v.code)
		}
		cases = append(cases, tc{string(v.code) + " variant (" + f.Host + ")", v.code, f})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := New(c.code, c.f, "", nil)
			for _, x := range []struct{ what, text string }{
				{"title", p.Title}, {"explanation", p.Explanation}, {"fix prose", prose(p.Fix)},
			} {
				if l := leftovers(x.text); len(l) > 0 {
					t.Errorf("%s shows %q:\n%s", x.what, l, x.text)
				}
				if x.what != "fix prose" && (strings.Contains(x.text, "  ") || gap.MatchString(x.text)) {
					t.Errorf("%s has a gap where a fact was left out:\n%s", x.what, x.text)
				}
				for _, w := range placeholderWords {
					if strings.Contains(x.text, w.words+" "+w.words) {
						t.Errorf("%s repeats %q:\n%s", x.what, w.words, x.text)
					}
				}
			}
			// Natural words starting a sentence are capitalised.
			for _, text := range []string{p.Title, p.Explanation, p.Fix} {
				for _, w := range placeholderWords {
					if strings.HasPrefix(text, w.words) || strings.Contains(text, ". "+w.words) {
						t.Errorf("a sentence starts in lower case with %q: %q", w.words, text)
					}
				}
			}
			t.Logf("\n  title: %s\n  explanation: %s\n  fix: %s", p.Title, p.Explanation, p.Fix)
		})
	}
}

// The brief's two cases: the declined sign-in and a Conditional Access
// block come before the mailbox is known.
func TestEarlyProblemsReadNaturally(t *testing.T) {
	p := New(EntraDeclined, Facts{}, "", nil)
	if !strings.Contains(p.Fix, "sign in as the mailbox") {
		t.Errorf("declined fix: %s", p.Fix)
	}
	p = New(EntraConditionalAccess, Facts{}, "", nil)
	want := "A Conditional Access policy in the tenant refused to issue a token for the mailbox (AADSTS53003, BlockedByConditionalAccess)."
	if p.Explanation != want {
		t.Errorf("explanation = %q\nwant          %q", p.Explanation, want)
	}
	p = New(EntraConditionalAccess, Facts{TenantID: "contoso.com", Mailbox: "pim@contoso.com"}, "", nil)
	want = "A Conditional Access policy in the tenant contoso.com refused to issue a token for pim@contoso.com (AADSTS53003, BlockedByConditionalAccess)."
	if p.Explanation != want {
		t.Errorf("explanation = %q\nwant          %q", p.Explanation, want)
	}
}

// Fill after New: facts learnt later replace the natural words, and a text
// a caller rewrote is kept.
func TestFillRendersAgain(t *testing.T) {
	p := New(SMTPAuthDisabledMailbox, Facts{Host: "smtp.office365.com", Port: 587}, "535 5.7.139", nil)
	if !strings.HasSuffix(p.Explanation, "is disabled for the mailbox.") {
		t.Fatalf("explanation before Fill: %s", p.Explanation)
	}
	if !strings.Contains(p.Fix, "`Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false`") ||
		!strings.Contains(p.Fix, "Active users > the mailbox > Mail") {
		t.Fatalf("fix before Fill: %s", p.Fix)
	}
	Fill(p, Facts{Mailbox: "pim@contoso.com"})
	if !strings.HasSuffix(p.Explanation, "is disabled for the mailbox pim@contoso.com.") {
		t.Errorf("explanation after Fill: %s", p.Explanation)
	}
	if !strings.Contains(p.Fix, "Set-CASMailbox -Identity pim@contoso.com -Smtp") || !strings.Contains(p.Fix, "Active users > pim@contoso.com > Mail") {
		t.Errorf("fix after Fill: %s", p.Fix)
	}
	// A known fact is not replaced by a later one.
	Fill(p, Facts{Mailbox: "other@contoso.com"})
	if strings.Contains(p.Fix, "other@") {
		t.Errorf("Fill replaced a known fact: %s", p.Fix)
	}

	// A caller's own explanation survives Fill; the fix still fills.
	q := New(SMTPSendAsDenied, Facts{}, "", nil)
	q.Explanation = "Custom words for <mailbox>."
	Fill(q, Facts{Mailbox: "pim@contoso.com", From: "hr@contoso.com"})
	if q.Explanation != "Custom words for pim@contoso.com." {
		t.Errorf("custom explanation = %q", q.Explanation)
	}
	Fill(q, Facts{Host: "x"})
	if q.Explanation != "Custom words for pim@contoso.com." {
		t.Errorf("second Fill lost the custom explanation: %q", q.Explanation)
	}
	if !strings.Contains(q.Fix, "-Identity hr@contoso.com -Trustee pim@contoso.com") {
		t.Errorf("fix = %s", q.Fix)
	}

	// A Problem built by hand: placeholders filled, unknown ones as words.
	h := &Problem{Title: "<host> is down", Explanation: "Ask about <mailbox>.", Fix: "Run `ping <host>` for <host>."}
	Fill(h, Facts{})
	if h.Title != "The server is down" || h.Explanation != "Ask about the mailbox." || h.Fix != "Run `ping <host>` for the server." {
		t.Errorf("hand-built problem after Fill: %+v", h)
	}
}

func TestGroups(t *testing.T) {
	f := Facts{Mailbox: "m@x.com", Port: 25}
	tests := []struct{ in, want string }{
		{"for the mailbox{ <mailbox>}.", "for the mailbox m@x.com."},
		{"for the tenant{ <tenant>}.", "for the tenant."},
		{"{<host>|The server} did not answer on {port <port>|that port}.", "The server did not answer on port 25."},
		{"no braces here", "no braces here"},
		{"unclosed { <mailbox>", "unclosed { m@x.com"},
	}
	for _, tt := range tests {
		if got := renderProse(tt.in, f, true); got != tt.want {
			t.Errorf("renderProse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := renderProse("<host>:<port> refused", Facts{Host: "relay.example"}, true); got != "relay.example refused" {
		t.Errorf("host without port: %q", got)
	}
	if got := renderProse("<host>:<port> refused", Facts{}, true); got != "The server refused" {
		t.Errorf("neither: %q", got)
	}
}

// Where the failure happened changes the words, not the code.
func TestVariants(t *testing.T) {
	tests := []struct {
		name     string
		code     Code
		f        Facts
		want     []string
		dontWant []string
	}{
		{"DNS for Entra's sign-in host", NetDNS, Facts{Host: "login.microsoftonline.com", Port: 443},
			[]string{"Microsoft Entra ID sign-in service", "HTTPS (TCP 443)", "curl -sI https://login.microsoftonline.com/", "HTTPS_PROXY", "not mistyped"},
			[]string{"Check the spelling", "smtp.office365.com"}},
		{"DNS for the China sign-in host", NetDNS, Facts{Host: "LOGIN.partner.microsoftonline.cn."},
			[]string{"curl -sI https://LOGIN.partner.microsoftonline.cn./", "HTTPS_PROXY"}, []string{"Check the spelling"}},
		{"DNS for an SMTP host", NetDNS, Facts{Host: "smtp.offce365.com"},
			[]string{"Check the spelling of smtp.offce365.com"}, []string{"HTTPS_PROXY"}},
		{"timeout to Entra's sign-in host", NetTimeout, Facts{Host: "login.microsoftonline.us", Port: 443},
			[]string{"curl -sI https://login.microsoftonline.us/", "proxy"}, []string{"587"}},
		{"refused by Entra's sign-in host", NetRefused, Facts{Host: "login.microsoftonline.com", Port: 443},
			[]string{"HTTPS (TCP 443)"}, []string{"Exchange Online: 587"}},
		{"TLS too old from Exchange Online", TLSTooOld, Facts{Host: "smtp.office365.com", Port: 587},
			[]string{"is Exchange Online", "TLS-inspecting proxy", "exempt smtp.office365.com:587 from TLS inspection", "openssl s_client -connect smtp.office365.com:587"},
			[]string{"Have the mail server's admin", "Upgrade the mail server"}},
		{"TLS too old from another server", TLSTooOld, Facts{Host: "relay.contoso.com", Port: 25},
			[]string{"relay.contoso.com offers only TLS 1.0 or 1.1", "Have the mail server's admin turn on TLS 1.2"},
			[]string{"is Exchange Online"}},
		{"refused by the Local SMTP server", NetRefused, Facts{Host: "localhost", Port: 25, LocalSMTP: true},
			[]string{"systemctl status postfix", "localhost:25", "local mail service"},
			[]string{"Exchange Online", "587"}},
		{"refused by a relay", NetRefused, Facts{Host: "relay.contoso.com", Port: 25},
			[]string{"Exchange Online: 587", "nc -vz relay.contoso.com 25"}, []string{"postfix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(tt.code, tt.f, "", nil)
			if p.Code != tt.code {
				t.Fatalf("code %s, want %s", p.Code, tt.code)
			}
			all := p.Title + "\n" + p.Explanation + "\n" + p.Fix
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(all, w) {
					t.Errorf("says %q:\n%s", w, all)
				}
			}
		})
	}
	// The Local SMTP fact often arrives later (steps knows the provider,
	// mailer does not): Fill switches to the variant.
	p := New(NetRefused, Facts{Host: "localhost", Port: 25}, "", nil)
	Fill(p, Facts{LocalSMTP: true})
	if !strings.Contains(p.Fix, "systemctl status postfix") {
		t.Errorf("Fill with LocalSMTP kept the generic fix: %s", p.Fix)
	}
}

// The device code's lifetime is whatever Entra (or the sandbox) gave it;
// the texts must not promise 15 minutes.
func TestCodeExpiredNamesNoFixedLifetime(t *testing.T) {
	p := New(EntraCodeExpired, Facts{}, "", nil)
	if all := p.Explanation + p.Fix; strings.Contains(all, "15 minutes") || !strings.Contains(p.Explanation, "lifetime") {
		t.Errorf("code-expired texts: %s / %s", p.Explanation, p.Fix)
	}
}
