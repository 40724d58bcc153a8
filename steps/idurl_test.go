package steps_test

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/steps"
)

// TestIDsFromPortalURLs: the address bar of the app's page, pasted into an
// ID field, gives the ID the URL labels; an Object ID is never taken for
// the client ID.
func TestIDsFromPortalURLs(t *testing.T) {
	const app, tenant, object = "3f2e1d0c-9b8a-4765-8432-10fedcba9876", "72f988bf-86f1-41af-91ab-2d7cd011db47", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	client := []struct{ in, want, err string }{
		{"https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/" + app + "/isMSAApp~/false", app, ""},
		{"https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/" + strings.ToUpper(app) + "/objectId/" + object, app, ""},
		{"https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/authorize?client_id=" + app + "&scope=x", app, ""},
		{"https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/" + object, "", "web address without an app's ID"},
	}
	for _, tt := range client {
		got, err := steps.ValidateClientID(tt.in)
		if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ValidateClientID(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	tenants := []struct{ in, want string }{
		{"https://entra.microsoft.com/#view/Microsoft_AAD_IAM/TenantOverview.ReactView/tenantId/" + tenant, tenant},
		{"https://login.microsoftonline.com/" + tenant + "/v2.0/.well-known/openid-configuration", tenant},
		{"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", "contoso.onmicrosoft.com"},
		{"https://portal.azure.com/#@contoso.onmicrosoft.com/resource/subscriptions", "contoso.onmicrosoft.com"},
	}
	for _, tt := range tenants {
		if got, err := steps.ValidateTenant(tt.in); got != tt.want || err != nil {
			t.Errorf("ValidateTenant(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := steps.ValidateTenant("https://contoso.com/about"); err == nil || !strings.Contains(err.Error(), "URL") {
		t.Errorf("a URL without a tenant: %v", err)
	}
}
