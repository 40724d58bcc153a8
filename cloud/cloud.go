// Package cloud defines the Microsoft clouds pimmail can send through: for
// each, the Entra ID authority host, the delegated SMTP scope, the resource
// (token audience) and the Exchange Online smart host. It is the one place
// these facts live; everything else looks them up here.
//
// Where each was checked (December 2026): the team's reference (sign-in
// host, SMTP scope, smart host; TestReferenceFileAgrees compares), MSAL Go
// v1.10.1's known instance metadata (sign-in host aliases: login.usgovcloudapi.net,
// login.chinacloudapi.cn as China's older name), Microsoft 365's endpoint
// lists for GCC High, DoD and 21Vianet (Exchange Online hosts, tenant
// domains), Microsoft Graph's national cloud deployments page (Graph
// hosts), and Exchange Online PowerShell's ConnectionUri per cloud
// (outlook.office365.us, webmail.apps.mil, partner.outlook.cn). Not
// confirmed by a Microsoft document: the front-end domain national
// Exchange Online greets with, and sts.chinacloudapi.cn as the v1.0 issuer
// in China.
package cloud

import "strings"

// Cloud is one Microsoft national or global cloud.
type Cloud struct {
	// Name is the stable identifier stored in the config ("global", "usgov", "usdod", "china").
	Name string
	// Label is what the wizard shows.
	Label string
	// AuthorityHost is the Entra ID login host, without scheme.
	AuthorityHost string
	// SMTPScope is the delegated scope for SMTP AUTH with OAuth (device-code logon).
	SMTPScope string
	// AppScope is the client-credentials scope used to verify the app and its secret.
	AppScope string
	// Audiences are the token audiences Exchange Online accepts for SMTP in this cloud.
	Audiences []string
	// SmartHost is the Exchange Online SMTP submission host.
	SmartHost string
	// SmartPort is the submission port (STARTTLS).
	SmartPort int

	// AuthorityAliases are the other host names the cloud's Entra ID
	// answers to, as its instance discovery lists them (MSAL's known
	// metadata); the AuthorityHost is not repeated here.
	AuthorityAliases []string
	// InstanceName is the cloud_instance_name of its OpenID configuration.
	InstanceName string
	// GraphHost is the msgraph_host of its OpenID configuration.
	GraphHost string
	// TokenIssuerHost is the host in the iss claim of its v1.0 access
	// tokens (Exchange Online's tokens are v1.0): https://<host>/<tid>/.
	TokenIssuerHost string
	// ExchangeDomain is the domain under which Exchange Online's front ends
	// are named in the SMTP greeting (<server>.<domain>).
	ExchangeDomain string
	// TenantDomainSuffix is where the initial domain of a tenant of this
	// cloud lives (contoso.<suffix>).
	TenantDomainSuffix string
}

// AuthorityURL returns the authority base URL (https://host) for this cloud.
func (c Cloud) AuthorityURL() string { return "https://" + c.AuthorityHost }

// Global is the worldwide Microsoft 365 cloud; the default.
var Global = Cloud{
	Name:          "global",
	Label:         "Global (Microsoft 365)",
	AuthorityHost: "login.microsoftonline.com",
	SMTPScope:     "https://outlook.office.com/SMTP.Send",
	AppScope:      "https://outlook.office365.com/.default",
	Audiences:     []string{"https://outlook.office.com", "https://outlook.office365.com", "00000002-0000-0ff1-ce00-000000000000"},
	SmartHost:     "smtp.office365.com",
	SmartPort:     587,

	AuthorityAliases:   []string{"login.windows.net", "login.microsoft.com", "sts.windows.net"},
	InstanceName:       "microsoftonline.com",
	GraphHost:          "graph.microsoft.com",
	TokenIssuerHost:    "sts.windows.net",
	ExchangeDomain:     "outlook.office365.com",
	TenantDomainSuffix: "onmicrosoft.com",
}

// USGov is Microsoft 365 GCC High.
var USGov = usGovernment("usgov", "US Government (GCC High)", "graph.microsoft.us")

// USDoD is Microsoft 365 DoD.
var USDoD = usGovernment("usdod", "US DoD", "dod-graph.microsoft.us")

// usGovernment is a US government cloud. GCC High and DoD share the
// sign-in host (one Entra ID directory: a tenant of either is found at
// login.microsoftonline.us), the Exchange Online resource pimmail asks for
// and the smart host; Microsoft Graph differs.
//
// Where Microsoft's documents disagree (see the reference's closing note):
// the DoD endpoint list names outlook-dod.office365.us and webmail.apps.mil
// for SMTP on 587, and Exchange Online PowerShell for DoD connects to
// https://webmail.apps.mil; the values here are the reference's.
func usGovernment(name, label, graph string) Cloud {
	return Cloud{
		Name:          name,
		Label:         label,
		AuthorityHost: "login.microsoftonline.us",
		SMTPScope:     "https://outlook.office365.us/SMTP.Send",
		AppScope:      "https://outlook.office365.us/.default",
		Audiences:     []string{"https://outlook.office365.us", "00000002-0000-0ff1-ce00-000000000000"},
		SmartHost:     "smtp.office365.us",
		SmartPort:     587,

		AuthorityAliases:   []string{"login.usgovcloudapi.net"},
		InstanceName:       "microsoftonline.us",
		GraphHost:          graph,
		TokenIssuerHost:    "sts.windows.net",
		ExchangeDomain:     "outlook.office365.us",
		TenantDomainSuffix: "onmicrosoft.us",
	}
}

// China is Microsoft 365 operated by 21Vianet.
var China = Cloud{
	Name:          "china",
	Label:         "China (21Vianet)",
	AuthorityHost: "login.partner.microsoftonline.cn",
	SMTPScope:     "https://partner.outlook.cn/SMTP.Send",
	AppScope:      "https://partner.outlook.cn/.default",
	Audiences:     []string{"https://partner.outlook.cn", "00000002-0000-0ff1-ce00-000000000000"},
	SmartHost:     "smtp.partner.outlook.cn",
	SmartPort:     587,

	// login.chinacloudapi.cn is the older name (Microsoft Graph's national
	// cloud page still gives it); MSAL treats both as one cloud.
	AuthorityAliases:   []string{"login.chinacloudapi.cn"},
	InstanceName:       "partner.microsoftonline.cn",
	GraphHost:          "microsoftgraph.chinacloudapi.cn",
	TokenIssuerHost:    "sts.chinacloudapi.cn",
	ExchangeDomain:     "partner.outlook.cn",
	TenantDomainSuffix: "partner.onmschina.cn",
}

// All lists the clouds in the order the wizard offers them.
var All = []Cloud{Global, USGov, USDoD, China}

// ByName returns the cloud with the given name (case-insensitive); an empty
// name means Global.
func ByName(name string) (Cloud, bool) {
	if strings.TrimSpace(name) == "" {
		return Global, true
	}
	for _, c := range All {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return c, true
		}
	}
	return Cloud{}, false
}

// ByAuthorityHost returns the first cloud (in All's order) whose Entra ID
// answers to host, by its AuthorityHost or one of its aliases. GCC High and
// DoD share one sign-in host: it returns GCC High for it, and SameDirectory
// tells the two apart from the others.
func ByAuthorityHost(host string) (Cloud, bool) {
	h := normHost(host)
	for _, c := range All {
		if h != "" && (h == c.AuthorityHost || containsHost(c.AuthorityAliases, h)) {
			return c, true
		}
	}
	return Cloud{}, false
}

// ByResource returns the first cloud whose Exchange Online answers to the
// resource (an https origin among its Audiences, any case, with or without
// a trailing slash). Exchange Online's application ID is the same in every
// cloud, so it names none.
func ByResource(resource string) (Cloud, bool) {
	r := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(resource)), "/")
	if !strings.HasPrefix(r, "https://") {
		return Cloud{}, false
	}
	for _, c := range All {
		if containsHost(c.Audiences, r) {
			return c, true
		}
	}
	return Cloud{}, false
}

// SameDirectory reports whether a and b sign in at the same Entra ID (one
// directory of tenants): true for a cloud and itself, and for GCC High and
// DoD.
func SameDirectory(a, b Cloud) bool { return a.AuthorityHost == b.AuthorityHost }

// containsHost reports whether list holds s, compared case-insensitively.
func containsHost(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// IsAuthorityHost reports whether host is a Microsoft Entra ID sign-in host
// of one of the clouds (login.microsoftonline.com and its national twins).
func IsAuthorityHost(host string) bool {
	h := normHost(host)
	_, ok := ByAuthorityHost(h)
	return ok
}

// IsExchangeHost reports whether host is an Exchange Online SMTP
// submission host of one of the clouds (smtp.office365.com and its twins).
func IsExchangeHost(host string) bool {
	h := normHost(host)
	for _, c := range All {
		if h != "" && h == c.SmartHost {
			return true
		}
	}
	return false
}

// normHost is host as compared: lower case, without a trailing dot.
func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}
