package auth

// Method is how the mailbox gets its access token.
type Method string

// The three sign-in methods. The zero value is the device code, so a
// configuration saved before there was a choice keeps working.
const (
	// MethodDeviceCode: delegated SMTP.Send; a person signs the mailbox in
	// with a code on any device (public client flows must be allowed).
	MethodDeviceCode Method = ""
	// MethodAuthCode: delegated SMTP.Send through the authorization code
	// flow with PKCE on the confidential client (the client secret); the
	// browser's redirect to http://localhost is pasted back or caught.
	MethodAuthCode Method = "auth-code"
	// MethodAppOnly: client credentials with the application permission
	// SMTP.SendAsApp; no user sign-in and no refresh token.
	MethodAppOnly Method = "app-only"
)
