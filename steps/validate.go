package steps

// TODO(helper): implement; keep the exported contract.

// FieldError is a local validation failure of one field: what is wrong and
// what to do, in the admin's words.
type FieldError struct {
	Field   string // "Directory (tenant) ID"
	Message string // "is not a GUID or a domain name"
	Hint    string // "Copy it from App registrations > your app > Overview."
}

// Error joins field and message.
func (e *FieldError) Error() string { return e.Field + " " + e.Message }

// CleanPaste removes what a paste brings along: surrounding spaces, tabs,
// newlines, quotes, braces and angle brackets, and zero-width characters.
func CleanPaste(s string) string { panic("unimplemented") }

// ValidateTenant accepts a tenant GUID or a verified domain name (cleaned).
func ValidateTenant(s string) (string, error) { panic("unimplemented") }

// ValidateClientID accepts an Application (client) ID GUID (cleaned).
func ValidateClientID(s string) (string, error) { panic("unimplemented") }

// ValidateSecret accepts a client secret Value. A GUID-shaped entry is
// refused: it is almost surely the Secret ID.
func ValidateSecret(s string) (string, error) { panic("unimplemented") }

// ValidateHostPort parses host[:port] (IPv6 in brackets), defaultPort when
// no port is given.
func ValidateHostPort(s string, defaultPort int) (string, int, error) { panic("unimplemented") }

// ValidatePort parses a TCP port number 1-65535.
func ValidatePort(s string) (int, error) { panic("unimplemented") }

// ValidateEmail accepts one plain address (no display name), cleaned.
func ValidateEmail(s string) (string, error) { panic("unimplemented") }
