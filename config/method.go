package config

// SignInMethod is how the Entra provider's mailbox gets its access token.
type SignInMethod string

// The sign-in methods. Empty means the device code, so a file written
// before there was a choice reads as it did.
const (
	MethodDeviceCode SignInMethod = ""
	MethodAuthCode   SignInMethod = "auth-code"
	MethodAppOnly    SignInMethod = "app-only"
)

// SignInMethods lists the methods in the order step 4 offers them.
var SignInMethods = []SignInMethod{MethodDeviceCode, MethodAuthCode, MethodAppOnly}

// Valid reports whether m is a method this build knows; "device-code" is
// accepted as the device code's spelled-out name.
func (m SignInMethod) Valid() bool {
	switch m {
	case MethodDeviceCode, "device-code", MethodAuthCode, MethodAppOnly:
		return true
	}
	return false
}

// Normal is m with "device-code" spelled as the zero value.
func (m SignInMethod) Normal() SignInMethod {
	if m == "device-code" {
		return MethodDeviceCode
	}
	return m
}

// Label names the method in the wizard and in status.
func (m SignInMethod) Label() string {
	switch m.Normal() {
	case MethodAuthCode:
		return "Browser elsewhere, paste back (authorization code)"
	case MethodAppOnly:
		return "App-only, no user sign-in (SMTP.SendAsApp)"
	}
	return "Device code"
}

// Short names the method in a few words.
func (m SignInMethod) Short() string {
	switch m.Normal() {
	case MethodAuthCode:
		return "authorization code"
	case MethodAppOnly:
		return "app-only"
	}
	return "device code"
}

// Needs is the one line on what the method needs and what it costs.
func (m SignInMethod) Needs() string {
	switch m.Normal() {
	case MethodAuthCode:
		return "Delegated SMTP.Send; a Web redirect URI http://localhost; works with public client flows = No and where device code is blocked. Sign-in lapses after 90 days unused."
	case MethodAppOnly:
		return "Application permission SMTP.SendAsApp with admin consent, and the app registered in Exchange Online (pimmail prints the PowerShell). No refresh token: only the client secret expires."
	}
	return "Delegated SMTP.Send; Allow public client flows = Yes; blocked by Conditional Access in many tenants. Sign-in lapses after 90 days unused."
}

func methodNames() []string {
	return []string{"device-code", string(MethodAuthCode), string(MethodAppOnly)}
}
