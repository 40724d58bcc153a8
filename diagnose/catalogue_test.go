package diagnose

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// codesInSource lists every Code constant declared in codes.go, read from
// the source so that a code added there without a catalogue entry fails.
func codesInSource(t *testing.T) []Code {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					t.Fatalf("code %v is not a literal", vs.Names)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				codes = append(codes, Code(s))
			}
		}
	}
	if len(codes) < 40 {
		t.Fatalf("found only %d codes in codes.go; the parser missed some", len(codes))
	}
	return codes
}

func TestCatalogueHasEveryCodeOnce(t *testing.T) {
	codes := codesInSource(t)
	seen := map[Code]int{}
	for _, e := range Catalogue() {
		seen[e.Code]++
	}
	for _, c := range codes {
		if seen[c] != 1 {
			t.Errorf("code %s has %d catalogue entries, want 1", c, seen[c])
		}
	}
	if len(Catalogue()) != len(codes) {
		t.Errorf("catalogue has %d entries, codes.go %d codes", len(Catalogue()), len(codes))
	}
}

func TestCatalogueEntriesAreComplete(t *testing.T) {
	for _, e := range Catalogue() {
		t.Run(string(e.Code), func(t *testing.T) {
			if strings.TrimSpace(e.Title) == "" || strings.TrimSpace(e.Explanation) == "" || strings.TrimSpace(e.Fix) == "" {
				t.Fatalf("empty field in %+v", e)
			}
			if len(e.Title) > 60 {
				t.Errorf("title %q is not a short headline (%d chars)", e.Title, len(e.Title))
			}
			if strings.HasSuffix(e.Title, ".") {
				t.Errorf("title %q ends with a full stop", e.Title)
			}
			if e.Fix == e.Explanation {
				t.Errorf("fix repeats the explanation")
			}
		})
	}
}

// TestCatalogueFixesNameTheAdminSetting checks that each fix names the
// portal blade/setting or cmdlet the reference (or the issue) gives for it.
func TestCatalogueFixesNameTheAdminSetting(t *testing.T) {
	want := map[Code][]string{
		EntraTenantNotFound:       {"App registrations", "Overview", "Directory (tenant) ID"},
		EntraAppNotFound:          {"App registrations", "Application (client) ID", "home tenant"},
		EntraSecretInvalid:        {"Certificates & secrets", "Value", "not the Secret ID", "New client secret"},
		EntraSecretExpired:        {"Certificates & secrets > New client secret", "Value", "shown only once"},
		EntraPublicClientDisabled: {"Authentication > Advanced settings > Allow public client flows = Yes"},
		EntraConsentMissing:       {"API permissions > Add a permission > Microsoft Graph > Delegated permissions > SMTP.Send", "Grant admin consent"},
		EntraMFARequired:          {"MFA", "<mailbox>"},
		EntraMFARegistration:      {"register security info"},
		EntraConditionalAccess:    {"Conditional Access", "Exclude", "<mailbox>"},
		EntraSecurityDefaults:     {"Manage security defaults", "Disabled", "Conditional Access"},
		EntraNoExchange:           {"Exchange Online licence", "Directory (tenant) ID"},
		EntraInvalidScope:         {"https://outlook.office.com/SMTP.Send", "https://outlook.office365.us/SMTP.Send", "https://partner.outlook.cn/SMTP.Send"},
		EntraScopeNeedsDefault:    {"/.default", "SMTP.SendAsApp"},
		EntraCodeExpired:          {"new code"},
		EntraDeclined:             {"Start the sign-in again"},
		EntraRefreshExpired:       {"sign-in", "<mailbox>"},
		EntraRefreshInactive:      {"sign-in", "<mailbox>"},
		EntraGrantRevoked:         {"sign-in", "<mailbox>"},
		TokenWrongScope:           {"Delegated permissions > SMTP.Send", "Grant admin consent"},
		CacheSignInAgain:          {"sign-in", "<mailbox>"},
		SMTPAuthFailed:            {"<mailbox>", "New-ServicePrincipal -AppId <clientId>", "Add-MailboxPermission -Identity <mailbox>", "-AccessRights FullAccess"},
		SMTPAuthDisabledTenant:    {"Set-TransportConfig -SmtpClientAuthenticationDisabled $false", "Get-TransportConfig | fl SmtpClientAuthenticationDisabled", "Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false"},
		SMTPAuthDisabledMailbox:   {"Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false", "$null", "Manage email apps", "Authenticated SMTP"},
		SMTPSecurityDefaults:      {"Manage security defaults", "Conditional Access"},
		SMTPConditionalAccess:     {"Conditional Access", "Exclude", "<mailbox>"},
		SMTPNotAuthenticated:      {"587", "STARTTLS"},
		SMTPSendAsEnvelope:        {"Add-RecipientPermission -Identity <from> -Trustee <mailbox> -AccessRights SendAs"},
		SMTPSendAsDenied:          {"Add-RecipientPermission -Identity <from> -Trustee <mailbox> -AccessRights SendAs", "<mailbox> as the From"},
		SMTPConcurrency:           {"at most 3 connections"},
		SMTPRateLimited:           {"30 messages a minute"},
		SMTPQuotaExceeded:         {"24 hours"},
		SMTPTLSVersion:            {"TLS 1.2"},
		RelayTenantAttribution:    {"Exchange admin center > Mail flow > Connectors", "Your organization's email server", "public IP"},
		RelayDenied:               {"IP address", "username and password", "accepted"},
		RelayAuthFailed:           {"username and password"},
		NetDNS:                    {"<host>", "resolv.conf", "firewall"},
		NetRefused:                {"port", "nc -vz <host> <port>"},
		NetTimeout:                {"nc -vz smtp.office365.com 587", "outbound"},
		SMTPNoGreeting:            {"465", "587", "openssl s_client -connect <host>:<port> -starttls smtp", "proxy or IPS"},
		NetCancelled:              {"Nothing to fix"},
		NetProxy:                  {"HTTPS_PROXY", "CONNECT to port 443", "curl -sI https://<host>/", "NO_PROXY"},
		TLSCertificate:            {"CA", "must match {<host>|", "--sandbox", "SSL_CERT_FILE", "update-ca-certificates", "TLS-inspecting proxy"},
		TLSTooOld:                 {"TLS 1.2"},
		NoSTARTTLS:                {"587"},
		NoXOAUTH2:                 {"smtp.office365.com", "SmtpClientAuthenticationDisabled $false"},
		NoAuth:                    {"STARTTLS", "username and password"},
		NetDropped:                {"firewall"},
		NetUnreachable:            {"nc -vz <host> <port>"},
		TLSHandshake:              {"587", "465"},
		PasswordInClear:           {"STARTTLS", "465"},
		SMTPRejected:              {"details"},
		EntraOther:                {"AADSTS", "Trace ID", "Correlation ID"},
	}
	cat := map[Code]Entry{}
	for _, e := range Catalogue() {
		cat[e.Code] = e
	}
	for code, subs := range want {
		e, ok := cat[code]
		if !ok {
			t.Errorf("%s: no entry", code)
			continue
		}
		for _, s := range subs {
			if !strings.Contains(e.Fix, s) {
				t.Errorf("%s: fix does not name %q:\n%s", code, s, e.Fix)
			}
		}
	}
	if cat[NetCancelled].Title != "Cancelled" {
		t.Errorf("NetCancelled title = %q, want Cancelled", cat[NetCancelled].Title)
	}
}

// factPlaceholders are the placeholders New fills; any other <...> in an
// entry is a deliberate instruction to the admin (e.g. <your app>).
var factPlaceholders = []string{"<mailbox>", "<from>", "<clientId>", "<tenant>", "<host>", "<port>"}

func TestNewFillsPlaceholdersFromFacts(t *testing.T) {
	full := Facts{
		TenantID: "11111111-2222-3333-4444-555555555555",
		ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		Mailbox:  "pim@contoso.com",
		From:     "noreply@contoso.com",
		Host:     "smtp.office365.com",
		Port:     587,
	}
	for _, e := range Catalogue() {
		t.Run(string(e.Code), func(t *testing.T) {
			p := New(e.Code, full, "raw text", nil)
			if p.Code != e.Code {
				t.Fatalf("code %s, want %s", p.Code, e.Code)
			}
			for _, text := range []string{p.Title, p.Explanation, p.Fix} {
				for _, ph := range factPlaceholders {
					if strings.Contains(text, ph) {
						t.Errorf("placeholder %s left with full facts: %q", ph, text)
					}
				}
			}
			// Each placeholder in the entry shows up as its fact.
			all := e.Title + e.Explanation + e.Fix
			got := p.Title + p.Explanation + p.Fix
			for ph, v := range map[string]string{"<mailbox>": full.Mailbox, "<from>": full.From,
				"<clientId>": full.ClientID, "<tenant>": full.TenantID, "<host>": full.Host, "<port>": "587"} {
				if strings.Contains(all, ph) && !strings.Contains(got, v) {
					t.Errorf("%s not filled with %q", ph, v)
				}
			}
			if p.Raw != "raw text" {
				t.Errorf("raw = %q", p.Raw)
			}
			// Empty facts keep the placeholders only inside commands,
			// where the admin types the value (TestNoRawPlaceholders).
			empty := New(e.Code, Facts{}, "", nil)
			if inCommands(e.Fix) != inCommands(empty.Fix) {
				t.Errorf("empty facts changed the commands of the fix:\n%s\n%s", e.Fix, empty.Fix)
			}
		})
	}
}

func TestNewPlaceholderExamples(t *testing.T) {
	tests := []struct {
		code Code
		f    Facts
		want string
	}{
		{SMTPAuthDisabledMailbox, Facts{Mailbox: "pim@contoso.com"}, "Set-CASMailbox -Identity pim@contoso.com -SmtpClientAuthenticationDisabled $false"},
		{SMTPSendAsDenied, Facts{Mailbox: "pim@contoso.com", From: "hr@contoso.com"}, "Add-RecipientPermission -Identity hr@contoso.com -Trustee pim@contoso.com -AccessRights SendAs"},
		{SMTPSendAsDenied, Facts{Mailbox: "pim@contoso.com"}, "Add-RecipientPermission -Identity <from> -Trustee pim@contoso.com -AccessRights SendAs"},
		{NetRefused, Facts{Host: "relay.contoso.com", Port: 25}, "nc -vz relay.contoso.com 25"},
		{NetRefused, Facts{Host: "relay.contoso.com"}, "nc -vz relay.contoso.com <port>"},
		{SMTPAuthFailed, Facts{ClientID: "abc", Mailbox: "m@x.com"}, "New-ServicePrincipal -AppId abc"},
	}
	for _, tt := range tests {
		p := New(tt.code, tt.f, "", nil)
		if !strings.Contains(p.Fix, tt.want) {
			t.Errorf("%s with %+v: fix lacks %q:\n%s", tt.code, tt.f, tt.want, p.Fix)
		}
	}
}

func TestNewUnknownCodeKeepsCode(t *testing.T) {
	p := New(Code("made.up"), Facts{}, "x", nil)
	if p.Code != "made.up" || p.Title != New(Unexpected, Facts{}, "", nil).Title {
		t.Fatalf("got %+v", p)
	}
}

func TestProblemIsAnError(t *testing.T) {
	p := New(EntraSecretInvalid, Facts{}, "AADSTS7000215: ...", nil)
	var err error = p
	got, ok := As(err)
	if !ok || got != p {
		t.Fatal("As did not find the problem")
	}
	if !strings.HasPrefix(err.Error(), "The client secret is wrong: ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestCatalogueUsesNoUnknownPlaceholders guards against typos such as
// <mbx> that New would never fill.
func TestCatalogueUsesNoUnknownPlaceholders(t *testing.T) {
	allowed := map[string]bool{"<your app>": true, "<enterprise app object id>": true, "<service principal>": true}
	for _, ph := range factPlaceholders {
		allowed[ph] = true
	}
	re := regexp.MustCompile(`<[A-Za-z][A-Za-z ]*>`)
	for _, e := range Catalogue() {
		for _, m := range re.FindAllString(e.Title+" "+e.Explanation+" "+e.Fix, -1) {
			if !allowed[m] {
				t.Errorf("%s uses unknown placeholder %s", e.Code, m)
			}
		}
	}
}

// The wizard draws each `command` on lines of its own (the copy key puts it
// on the clipboard), so the prose around it must read cleanly when split
// there: no command inside parentheses (a line "(check with" and one "),
// or ..." around it), and no prose after a command starting with ")" or
// ":" (a stray line ": a mail server prints ..."). One-word spans
// (`$null`, `mailq`) stay in the sentence and are free.
func TestCommandsReadCleanlyOnTheirOwnLines(t *testing.T) {
	texts := map[string]string{}
	for _, e := range Catalogue() {
		texts[string(e.Code)+" fix"] = e.Fix
		texts[string(e.Code)+" explanation"] = e.Explanation
	}
	for i, v := range variants {
		texts[fmt.Sprintf("%s variant %d fix", v.code, i)] = v.text.Fix
		texts[fmt.Sprintf("%s variant %d explanation", v.code, i)] = v.text.Explanation
	}
	for name, text := range texts {
		parts := strings.Split(text, "`")
		depth := 0
		for i, part := range parts {
			if i%2 == 0 {
				depth += strings.Count(part, "(") - strings.Count(part, ")")
				continue
			}
			if !strings.Contains(strings.TrimSpace(part), " ") {
				continue
			}
			if depth > 0 {
				t.Errorf("%s: the command %q stands inside parentheses:\n%s", name, part, text)
			}
			if i+1 < len(parts) {
				if after := strings.TrimSpace(parts[i+1]); strings.HasPrefix(after, ")") || strings.HasPrefix(after, ":") {
					t.Errorf("%s: the prose after %q starts with %q:\n%s", name, part, after[:1], text)
				}
			}
		}
	}
}

// For SMTP AUTH off in the whole tenant, the fix leads with the least
// change, the mailbox-only setting (which overrides the tenant's), then
// the tenant-wide one, then how to check: the copy key takes them in this
// order.
func TestSMTPAuthTenantFixLeadsWithMailbox(t *testing.T) {
	p := New(SMTPAuthDisabledTenant, Facts{Mailbox: "pim@contoso.com"}, "535 5.7.139", nil)
	var cmds []string
	for i, part := range strings.Split(p.Fix, "`") {
		if i%2 == 1 {
			cmds = append(cmds, part)
		}
	}
	want := []string{"Set-CASMailbox -Identity pim@contoso.com -SmtpClientAuthenticationDisabled $false",
		"Set-TransportConfig -SmtpClientAuthenticationDisabled $false", "Get-TransportConfig | fl SmtpClientAuthenticationDisabled"}
	if !slices.Equal(cmds, want) {
		t.Errorf("commands %q, want %q", cmds, want)
	}
	if !strings.Contains(p.Fix, "overrides") {
		t.Errorf("the fix does not say the mailbox setting overrides the tenant's:\n%s", p.Fix)
	}
}
