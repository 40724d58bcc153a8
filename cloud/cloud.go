// Package cloud defines the Microsoft clouds pimmail can send through: for
// each, the Entra ID authority host, the delegated SMTP scope, the resource
// (token audience) and the Exchange Online smart host. It is the one place
// these facts live; everything else looks them up here.
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
}

// USGov is Microsoft 365 GCC High.
var USGov = usGovernment("usgov", "US Government (GCC High)")

// USDoD is Microsoft 365 DoD.
var USDoD = usGovernment("usdod", "US DoD")

// usGovernment is a US government cloud. GCC High and DoD differ only in
// name: they share the sign-in host, the Exchange Online resource and the
// smart host.
func usGovernment(name, label string) Cloud {
	return Cloud{
		Name:          name,
		Label:         label,
		AuthorityHost: "login.microsoftonline.us",
		SMTPScope:     "https://outlook.office365.us/SMTP.Send",
		AppScope:      "https://outlook.office365.us/.default",
		Audiences:     []string{"https://outlook.office365.us", "00000002-0000-0ff1-ce00-000000000000"},
		SmartHost:     "smtp.office365.us",
		SmartPort:     587,
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

// IsAuthorityHost reports whether host is a Microsoft Entra ID sign-in host
// of one of the clouds (login.microsoftonline.com and its national twins).
func IsAuthorityHost(host string) bool {
	h := normHost(host)
	for _, c := range All {
		if h != "" && h == c.AuthorityHost {
			return true
		}
	}
	return false
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
