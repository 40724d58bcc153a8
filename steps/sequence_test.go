package steps_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

func TestSequence(t *testing.T) {
	tests := []struct {
		p    config.Provider
		want []steps.ID
	}{
		{config.ProviderEntra, []steps.ID{steps.StepProvider, steps.StepIDs, steps.StepSecret, steps.StepLogon, steps.StepSmartHost, steps.StepTest, steps.StepEnable}},
		{config.ProviderRelay, []steps.ID{steps.StepProvider, steps.StepServer, steps.StepCredentials, steps.StepTest, steps.StepEnable}},
		{config.ProviderLocal, []steps.ID{steps.StepProvider, steps.StepServer, steps.StepTest, steps.StepEnable}},
		{config.ProviderNone, []steps.ID{steps.StepProvider}},
		{"sendgrid", []steps.ID{steps.StepProvider}},
	}
	for _, tt := range tests {
		seq := steps.Sequence(tt.p)
		if got := ids(seq); !slices.Equal(got, tt.want) {
			t.Errorf("Sequence(%q) = %v, want %v", tt.p, got, tt.want)
		}
		titles := map[string]bool{}
		for _, s := range seq {
			if s.Title == "" || len(s.Help) < 80 || titles[s.Title] {
				t.Errorf("Sequence(%q) step %s: title %q (duplicate: %v), help of %d characters", tt.p, s.ID, s.Title, titles[s.Title], len(s.Help))
			}
			titles[s.Title] = true
		}
	}
	// The caller may change what it gets without changing the next answer.
	seq := steps.Sequence(config.ProviderEntra)
	seq[0].Title = "changed"
	if steps.Sequence(config.ProviderEntra)[0].Title == "changed" {
		t.Error("Sequence returns shared state")
	}
}

// TestHelpSaysWhereToCopyFrom checks each step's help names the places and
// settings the admin needs, in the portal's words.
func TestHelpSaysWhereToCopyFrom(t *testing.T) {
	help := func(p config.Provider, id steps.ID) string {
		for _, s := range steps.Sequence(p) {
			if s.ID == id {
				return s.Help
			}
		}
		t.Fatalf("no step %s for %s", id, p)
		return ""
	}
	tests := []struct {
		p    config.Provider
		id   steps.ID
		want []string
	}{
		{config.ProviderEntra, steps.StepProvider, []string{"Only one provider is enabled", "settings are kept", "Microsoft Entra ID SMTP Client", "SMTP Relay", "Local SMTP"}},
		{config.ProviderEntra, steps.StepIDs, []string{"App registrations > your app > Overview", "Directory (tenant) ID", "Application (client) ID",
			"Allow public client flows = Yes", "SMTP.Send", "Grant admin consent", "US Government (GCC High)", "China (21Vianet)"}},
		{config.ProviderEntra, steps.StepSecret, []string{"Certificates & secrets", "Value", "not the Secret ID", "New client secret", "last 4"}},
		{config.ProviderEntra, steps.StepLogon, []string{"device code", "the time shown", "sign in as the mailbox", "90 days"}},
		{config.ProviderEntra, steps.StepSmartHost, []string{"smtp.office365.com:587", "smtp.office365.us:587", "smtp.partner.outlook.cn:587", "STARTTLS", "TLS 1.2", "XOAUTH2"}},
		{config.ProviderEntra, steps.StepTest, []string{"From address", "display name", "554 5.2.252 SendAsDenied", "Send As"}},
		{config.ProviderEntra, steps.StepEnable, []string{"only after a test email", "disables the other providers", "0600", "untouched", "token cache"}},
		{config.ProviderRelay, steps.StepServer, []string{"mail.protection.outlook.com", "port 25", "Connectors", "IP address", "550 5.7.64 TenantAttribution; Relay Access Denied", "STARTTLS", "implicit TLS"}},
		{config.ProviderRelay, steps.StepCredentials, []string{"Optional", "IP address", "masked"}},
		{config.ProviderRelay, steps.StepTest, []string{"From address is required", "accepted domains", "EXTERNAL recipient", "proves"}},
		{config.ProviderLocal, steps.StepServer, []string{"localhost", "port 25", "STARTTLS"}},
		{config.ProviderLocal, steps.StepTest, []string{"queued", "not delivery", "/var/log/mail.log", "journalctl -u postfix"}},
		{config.ProviderLocal, steps.StepEnable, []string{"mode 0600", "a directory pimmail creates for it gets mode 0700", "keeps a copy"}},
	}
	for _, tt := range tests {
		h := help(tt.p, tt.id)
		for _, w := range tt.want {
			if !strings.Contains(h, w) {
				t.Errorf("%s/%s help lacks %q", tt.p, tt.id, w)
			}
		}
	}
	if strings.Contains(help(config.ProviderLocal, steps.StepEnable), "token cache") {
		t.Error("Local SMTP's enable step talks about a token cache")
	}
	// An existing directory keeps its mode (pimmail does not chmod a
	// directory the admin chose), so no help may promise a 0700 one.
	for _, p := range config.Providers {
		for _, st := range steps.Sequence(p) {
			if strings.Contains(st.Help, "0700 directory") || strings.Contains(st.Help, "0700 dir") {
				t.Errorf("%s/%s help promises a 0700 directory: %s", p, st.ID, st.Help)
			}
		}
	}
}
