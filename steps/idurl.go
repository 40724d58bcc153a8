package steps

import (
	"regexp"
	"strings"
)

// IDs pasted as the portal's address: the Entra admin center and the Azure
// portal put the IDs of the page in its URL, and admins copy the address
// bar instead of the field. The ID is taken only where the URL labels it
// (appId/..., tenantId=..., the tenant of a sign-in URL), never by guessing
// among GUIDs: an app's Object ID is in the same URLs, and it is the
// classic wrong value.

const guidPattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

var (
	appIDInURL = regexp.MustCompile(`(?i)(?:[/?&#]appId[/=]|[?&]client_id=)(` + guidPattern + `)`)
	// tenantId/GUID, ?tenant=GUID or domain, directoryId, tid; and the
	// tenant segment of a login.microsoftonline.com (or sovereign) URL.
	tenantInURL = regexp.MustCompile(`(?i)(?:[/?&#](?:tenantId|directoryId|tenant|tid)[/=])(` + guidPattern + `|[a-z0-9.-]+\.[a-z]{2,})`)
	loginTenant = regexp.MustCompile(`(?i)^https://login\.(?:microsoftonline\.(?:com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn)/(` + guidPattern + `|[a-z0-9.-]+\.[a-z]{2,})(?:/|$)`)
	// The portals' "#@contoso.onmicrosoft.com/..." names the tenant by domain.
	atTenant = regexp.MustCompile(`(?i)^https://(?:portal\.azure\.com|entra\.microsoft\.com|aad\.portal\.azure\.com)/#@([a-z0-9.-]+\.[a-z]{2,})(?:/|$)`)
)

// idFromURL returns the ID the URL v labels for field (FieldClientID or
// FieldTenant), or "" when it labels none.
func idFromURL(v, field string) string {
	if !strings.Contains(v, "://") {
		return ""
	}
	switch field {
	case FieldClientID:
		if m := appIDInURL.FindStringSubmatch(v); m != nil {
			return m[1]
		}
	case FieldTenant:
		for _, re := range []*regexp.Regexp{tenantInURL, loginTenant, atTenant} {
			if m := re.FindStringSubmatch(v); m != nil {
				return m[1]
			}
		}
	}
	return ""
}
