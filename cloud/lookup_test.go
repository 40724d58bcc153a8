package cloud

import (
	"slices"
	"testing"
)

// nationalFacts are the per-cloud facts beyond the reference's table, with
// where each was checked: MSAL Go v1.10.1's known instance metadata
// (aliases), Microsoft 365 endpoint lists for GCC High, DoD and 21Vianet
// (Exchange Online and sign-in hosts), Microsoft Graph's national cloud
// deployments page (Graph hosts).
var nationalFacts = []struct {
	name, graph, instance, issuer, exchange, suffix string
	aliases                                         []string
}{
	{"global", "graph.microsoft.com", "microsoftonline.com", "sts.windows.net", "outlook.office365.com", "onmicrosoft.com", []string{"login.windows.net", "login.microsoft.com", "sts.windows.net"}},
	{"usgov", "graph.microsoft.us", "microsoftonline.us", "sts.windows.net", "outlook.office365.us", "onmicrosoft.us", []string{"login.usgovcloudapi.net"}},
	{"usdod", "dod-graph.microsoft.us", "microsoftonline.us", "sts.windows.net", "outlook.office365.us", "onmicrosoft.us", []string{"login.usgovcloudapi.net"}},
	{"china", "microsoftgraph.chinacloudapi.cn", "partner.microsoftonline.cn", "sts.chinacloudapi.cn", "partner.outlook.cn", "partner.onmschina.cn", []string{"login.chinacloudapi.cn"}},
}

func TestNationalFacts(t *testing.T) {
	if len(nationalFacts) != len(All) {
		t.Fatalf("%d clouds, %d rows of facts", len(All), len(nationalFacts))
	}
	for i, f := range nationalFacts {
		c := All[i]
		if c.Name != f.name || c.GraphHost != f.graph || c.InstanceName != f.instance || c.TokenIssuerHost != f.issuer ||
			c.ExchangeDomain != f.exchange || c.TenantDomainSuffix != f.suffix || !slices.Equal(c.AuthorityAliases, f.aliases) {
			t.Errorf("cloud %d = %+v, want %+v", i, c, f)
		}
		// The greeting's domain is the Exchange Online front end the
		// cloud's tokens are for.
		if !slices.Contains(c.Audiences, "https://"+c.ExchangeDomain) {
			t.Errorf("%s: https://%s is not among the audiences %q", c.Name, c.ExchangeDomain, c.Audiences)
		}
	}
}

func TestByAuthorityHost(t *testing.T) {
	tests := []struct{ host, want string }{
		{"login.microsoftonline.com", "global"},
		{"LOGIN.MicrosoftOnline.com.", "global"},
		{"login.windows.net", "global"},
		{"login.microsoftonline.us", "usgov"}, // shared with DoD: the first
		{"login.usgovcloudapi.net", "usgov"},
		{"login.partner.microsoftonline.cn", "china"},
		{"login.chinacloudapi.cn", "china"},
		{"127.0.0.1", ""},
		{"login.microsoftonline.de", ""},
		{"", ""},
	}
	for _, tt := range tests {
		c, ok := ByAuthorityHost(tt.host)
		if c.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("ByAuthorityHost(%q) = %q, %v; want %q", tt.host, c.Name, ok, tt.want)
		}
		if IsAuthorityHost(tt.host) != (tt.want != "") {
			t.Errorf("IsAuthorityHost(%q) = %v", tt.host, !ok)
		}
	}
}

func TestByResource(t *testing.T) {
	tests := []struct{ res, want string }{
		{"https://outlook.office.com", "global"},
		{"https://outlook.office365.com/", "global"},
		{"https://OUTLOOK.office365.us", "usgov"},
		{"https://partner.outlook.cn", "china"},
		{"00000002-0000-0ff1-ce00-000000000000", ""}, // the same app in every cloud
		{"https://graph.microsoft.com", ""},
		{"outlook.office365.us", ""},
	}
	for _, tt := range tests {
		c, ok := ByResource(tt.res)
		if c.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("ByResource(%q) = %q, %v; want %q", tt.res, c.Name, ok, tt.want)
		}
	}
}

func TestSameDirectory(t *testing.T) {
	for _, a := range All {
		for _, b := range All {
			want := a.Name == b.Name || (a.Name == "usgov" && b.Name == "usdod") || (a.Name == "usdod" && b.Name == "usgov")
			if got := SameDirectory(a, b); got != want {
				t.Errorf("SameDirectory(%s, %s) = %v, want %v", a.Name, b.Name, got, want)
			}
		}
	}
}
