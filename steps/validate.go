package steps

import (
	"errors"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FieldError is a local validation failure of one field: what is wrong and
// what to do, in the admin's words.
type FieldError struct {
	Field   string // "Directory (tenant) ID"
	Message string // "is not a GUID or a domain name"
	Hint    string // "Copy it from App registrations > your app > Overview."
}

// Error joins field and message.
func (e *FieldError) Error() string { return e.Field + " " + e.Message }

// Field names, as the portal and the wizard label them.
const (
	FieldTenant    = "Directory (tenant) ID"
	FieldClientID  = "Application (client) ID"
	FieldSecret    = "Client secret"
	FieldHost      = "Server"
	FieldPort      = "Port"
	FieldEmail     = "Email address"
	FieldSmartHost = "Smart host"
)

// Hints shared by the validators and the steps' help texts.
const (
	hintTenant = "Copy it from the Entra admin center: App registrations > your app > Overview > " +
		"Directory (tenant) ID. A verified domain such as contoso.com or contoso.onmicrosoft.com works too."
	hintClientID = "Copy it from App registrations > your app > Overview > Application (client) ID " +
		"(not the Object ID)."
	hintSecretValue = "In App registrations > your app > Certificates & secrets > Client secrets, copy the " +
		"Value column, not the Secret ID. The Value is shown only right after the secret is created; if it " +
		"is hidden now, create a new client secret and copy its Value."
	hintHost  = "Enter a host name or IP address, optionally with :port, e.g. smtp.office365.com:587."
	hintEmail = "Enter one plain address, e.g. pim-notifications@contoso.com."
)

// zeroWidth are the invisible characters copy and paste bring from web
// pages and chat tools; none belongs in an ID, secret, host or address.
var zeroWidth = map[rune]bool{
	'\u200B': true, // zero width space
	'\u200C': true, // zero width non-joiner
	'\u200D': true, // zero width joiner
	'\u2060': true, // word joiner
	'\uFEFF': true, // byte order mark / zero width no-break space
	'\u00AD': true, // soft hyphen
	'\u200E': true, // left-to-right mark
	'\u200F': true, // right-to-left mark
}

// wrappers are what surrounds a value copied from a document, a chat
// message or the registry ("{GUID}"): quotes (straight and curly),
// braces and angle brackets. Square brackets are not among them: they
// belong to an IPv6 address ([::1]:25).
const wrappers = "\"'`\u201C\u201D\u2018\u2019\u201E\u201A\u00AB\u00BB\u2039\u203A{}<>"

// CleanPaste removes what a paste brings along: surrounding spaces, tabs,
// newlines, quotes, braces and angle brackets, and zero-width characters.
// It also drops line breaks inside (a value wrapped by a terminal or an
// email), non-breaking spaces at the ends, and a trailing period (copied
// with the end of a sentence). Inner spaces are kept so the validators can
// say the value is wrong instead of silently changing it.
// CleanPaste is idempotent.
func CleanPaste(s string) string { return cleanPaste(s, true) }

// cleanPaste is CleanPaste; dropDot false keeps trailing periods, because
// a client secret Value may end with one.
func cleanPaste(s string, dropDot bool) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if zeroWidth[r] || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	for {
		before := s
		// unicode.IsSpace covers tabs and the no-break space U+00A0.
		s = strings.TrimFunc(s, unicode.IsSpace)
		s = strings.Trim(s, wrappers)
		if dropDot {
			s = strings.TrimRight(s, ".")
		}
		if s == before {
			return s
		}
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isGUID reports whether s is a GUID in its usual 8-4-4-4-12 form.
func isGUID(s string) bool { return guidRE.MatchString(s) }

// hasInnerSpace reports whether s holds any white space.
func hasInnerSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

// LooksLikeSecret reports whether s (as pasted) has the shape of a client
// secret Value rather than of an ID or a domain: it holds a '~' (every
// Value Entra generates today has one, and no GUID, domain or address
// does), or it is long (30 characters or more), has no spaces, is no GUID
// (with or without hyphens) and no valid domain name, and mixes upper
// case, lower case and digits as random text does. The ID fields use it
// to say where the value belongs, without echoing it; the UI may too.
func LooksLikeSecret(s string) bool {
	v := cleanPaste(s, false)
	switch {
	case v == "", isGUID(v), hasInnerSpace(v), strings.Contains(v, "@"), strings.Contains(v, "://"):
		return false
	case strings.ContainsRune(v, '~'):
		return true
	case len(v) < 30 || isHex(strings.ReplaceAll(v, "-", "")):
		return false
	case strings.Contains(v, ".") && checkDomain(v, true) == "":
		return false
	}
	var upper, lower, digit bool
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}

// isHex reports whether s is hexadecimal digits only.
func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// secretInIDField is the message for a client secret Value pasted into an
// ID field. It never contains the value.
const secretInIDField = "looks like a client secret Value"

// hintSecretNotID says what to do instead, for both ID fields.
const hintSecretNotID = "It goes in the Client secret step (the next one); here goes the ID from " +
	"App registrations > your app > Overview. A secret Value is a password: if it was pasted somewhere others " +
	"can see it, create a new one under Certificates & secrets."

// ValidateTenant accepts a tenant GUID or a verified domain name (cleaned).
// A GUID is returned in lower case, as Entra shows it; a domain too. A
// client secret Value pasted here is recognised (LooksLikeSecret) and
// refused without being echoed.
func ValidateTenant(s string) (string, error) {
	return validateID(s, FieldTenant, hintTenant, func(v string, fe func(string) (string, error)) (string, error) {
		switch {
		case strings.Contains(v, "://"):
			return fe("is a URL; paste only the ID (the GUID), not the whole address")
		case hasInnerSpace(v):
			return fe("contains spaces; paste only the ID")
		}
		switch strings.ToLower(v) {
		case "common", "organizations", "consumers":
			return fe("must name your own tenant; \"" + v + "\" is a shared endpoint that cannot hold the mailbox's app")
		}
		if strings.Contains(v, "@") {
			return fe("looks like an email address; use the domain after the @, or the Directory (tenant) ID")
		}
		if !strings.Contains(v, ".") {
			if strings.Count(v, "-") == 4 {
				return fe("looks like a GUID but is not a complete one (8-4-4-4-12 hexadecimal digits); copy it again")
			}
			return fe("is not a GUID or a domain name (a domain has a dot, e.g. contoso.onmicrosoft.com)")
		}
		if msg := checkDomain(v, true); msg != "" {
			return fe("is not a valid domain name: " + msg)
		}
		return strings.ToLower(v), nil
	})
}

// validateID runs what both ID fields check first, in this order: empty, a
// GUID (accepted, in lower case), a client secret Value (refused without
// being echoed). Anything else goes to rest with the cleaned value and the
// field's error constructor.
func validateID(s, field, hint string, rest func(v string, fe func(string) (string, error)) (string, error)) (string, error) {
	if what := Leftovers(s); what != "" {
		return "", leftoverError(field, hint, what)
	}
	v := CleanPaste(s)
	fe := func(msg string) (string, error) {
		return "", &FieldError{Field: field, Message: msg, Hint: hint}
	}
	if id := idFromURL(v, field); id != "" {
		// The portal's address, pasted whole: the ID it labels.
		v = id
	}
	switch {
	case v == "":
		return fe("is empty")
	case isGUID(v):
		return strings.ToLower(v), nil
	case LooksLikeSecret(s):
		return "", &FieldError{Field: field, Message: secretInIDField, Hint: hintSecretNotID}
	}
	return rest(v, fe)
}

// IsSecretInIDField reports whether err is an ID validator refusing a value
// because it looks like a client secret Value: the UI then clears the field
// rather than leave a secret on screen.
func IsSecretInIDField(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe) && fe.Message == secretInIDField
}

// checkDomain returns why v is not a DNS name ("" when it is one), as a
// phrase that completes "... is not a valid name: ". With needDot a single
// label (e.g. "contoso") is refused.
func checkDomain(v string, needDot bool) string {
	if len(v) > 253 {
		return "it is longer than 253 characters"
	}
	labels := strings.Split(v, ".")
	if needDot && len(labels) < 2 {
		return "it has no dot (a domain looks like contoso.com)"
	}
	for _, l := range labels {
		if l == "" {
			return "it has an empty part between dots"
		}
		if len(l) > 63 {
			return "a part between dots is longer than 63 characters"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "a part between dots starts or ends with a hyphen"
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				if r > unicode.MaxASCII {
					return "it contains non-ASCII characters (use the punycode form, xn--...)"
				}
				return "it contains " + strconv.QuoteRune(r)
			}
		}
	}
	if len(labels) > 1 && isDigits(labels[len(labels)-1]) {
		return "it looks like an IP address but is not a valid one"
	}
	return ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ValidateClientID accepts an Application (client) ID GUID (cleaned),
// returned in lower case. A client secret Value pasted here is recognised
// (LooksLikeSecret) and refused without being echoed.
func ValidateClientID(s string) (string, error) {
	return validateID(s, FieldClientID, hintClientID, func(v string, fe func(string) (string, error)) (string, error) {
		if strings.Contains(v, "://") {
			return fe("is a web address without an app's ID in it; paste only the Application (client) ID")
		}
		if strings.Contains(v, ".") {
			return fe("is a GUID, not a name; the domain belongs in the Directory (tenant) ID field")
		}
		return fe("is not a GUID (8-4-4-4-12 hexadecimal digits, e.g. 3f2e1d0c-9b8a-4765-8432-10fedcba9876)")
	})
}

// MinSecretLength is the shortest client secret Value accepted. Entra's
// generated Values are about 40 characters; anything under 10 is a partial paste.
const MinSecretLength = 10

// ValidateSecret accepts a client secret Value. A GUID-shaped entry is
// refused: it is almost surely the Secret ID. The error never contains the
// value itself.
func ValidateSecret(s string) (string, error) {
	if what := Leftovers(s); what != "" {
		return "", leftoverError(FieldSecret, hintSecretValue, what)
	}
	v := cleanPaste(s, false)
	fe := func(msg string) (string, error) {
		return "", &FieldError{Field: FieldSecret, Message: msg, Hint: hintSecretValue}
	}
	switch {
	case v == "":
		return fe("is empty")
	case isGUID(v):
		return fe("looks like the Secret ID, not its Value")
	case hasInnerSpace(v):
		return fe("contains spaces; a secret Value has none, so part of the paste is not the secret")
	case len([]rune(v)) < MinSecretLength:
		return fe("is too short to be a client secret Value (" + strconv.Itoa(len([]rune(v))) +
			" characters; Entra's are about 40); copy the whole Value")
	}
	return v, nil
}

// ValidateHostPort parses host[:port] (IPv6 in brackets), defaultPort when
// no port is given. The host comes back lower case and without brackets.
func ValidateHostPort(s string, defaultPort int) (string, int, error) {
	if what := Leftovers(s); what != "" {
		return "", 0, leftoverError(FieldHost, hintHost, what)
	}
	v := CleanPaste(s)
	fe := func(msg string) (string, int, error) {
		return "", 0, &FieldError{Field: FieldHost, Message: msg, Hint: hintHost}
	}
	if v == "" {
		return fe("is empty")
	}
	if i := strings.Index(v, "://"); i >= 0 {
		return fe("is a URL (" + v[:i+3] + "...); enter only the host name and port, e.g. smtp.office365.com:587")
	}
	if hasInnerSpace(v) {
		return fe("contains spaces; enter one host name, optionally with :port")
	}
	if strings.Contains(v, "@") {
		return fe("looks like an email address; enter the server's host name, e.g. smtp.office365.com")
	}
	if strings.ContainsAny(v, "/?#") {
		return fe("contains a path; enter only the host name and port")
	}
	host, portText := v, ""
	switch {
	case strings.HasPrefix(v, "["):
		end := strings.Index(v, "]")
		if end < 0 {
			return fe("has a '[' without a matching ']'")
		}
		host, portText = v[1:end], v[end+1:]
		if portText != "" {
			if portText[0] != ':' {
				return fe("has text after ']' that is not :port")
			}
			portText = portText[1:]
			if portText == "" {
				return fe("ends with ':' but no port")
			}
		}
		if net.ParseIP(host) == nil {
			return fe("has brackets around something that is not an IPv6 address")
		}
	case strings.Count(v, ":") > 1:
		// A bare IPv6 address: no port can follow without brackets.
		if net.ParseIP(v) == nil {
			return fe("is not a host name or address; write an IPv6 address with a port as [2001:db8::1]:25")
		}
	case strings.Contains(v, ":"):
		i := strings.LastIndex(v, ":")
		host, portText = v[:i], v[i+1:]
		if portText == "" {
			return fe("ends with ':' but no port")
		}
	}
	if host == "" {
		return fe("has a port but no host name")
	}
	port := defaultPort
	if portText != "" {
		p, err := ValidatePort(portText)
		if err != nil {
			fe := err.(*FieldError)
			fe.Message = "port " + strconv.Quote(portText) + " " + fe.Message
			fe.Field = FieldHost
			return "", 0, fe
		}
		port = p
	}
	if port < 1 || port > 65535 {
		return fe("needs a port, e.g. " + host + ":587")
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), port, nil
	}
	if msg := checkDomain(host, false); msg != "" {
		return fe("is not a valid host name: " + msg)
	}
	return strings.ToLower(host), port, nil
}

// ValidatePort parses a TCP port number 1-65535.
func ValidatePort(s string) (int, error) {
	v := CleanPaste(s)
	fe := func(msg string) (int, error) {
		return 0, &FieldError{Field: FieldPort, Message: msg,
			Hint: "Exchange Online takes 587 (STARTTLS); a relay usually 25 or 587; implicit TLS 465."}
	}
	if v == "" {
		return fe("is empty")
	}
	if !isDigits(v) {
		return fe("is not a number")
	}
	if len(v) > 5 {
		return fe("must be between 1 and 65535")
	}
	p, _ := strconv.Atoi(v)
	if p < 1 || p > 65535 {
		return fe("must be between 1 and 65535")
	}
	return p, nil
}

// ValidateEmail accepts one plain address (no display name), cleaned. The
// domain must have a dot (or be localhost) and is returned in lower case;
// the local part is kept as typed.
func ValidateEmail(s string) (string, error) {
	if what := Leftovers(s); what != "" {
		return "", leftoverError(FieldEmail, hintEmail, what)
	}
	v := CleanPaste(s)
	fe := func(msg string) (string, error) {
		return "", &FieldError{Field: FieldEmail, Message: msg, Hint: hintEmail}
	}
	switch {
	case v == "":
		return fe("is empty")
	case strings.ContainsAny(v, "<>\""):
		return fe("must be the address only, without a display name (the display name is a setting of its own)")
	case strings.ContainsAny(v, ",;"):
		return fe("must be one address, not a list")
	case hasInnerSpace(v):
		return fe("contains spaces")
	case !strings.Contains(v, "@"):
		return fe("has no @; enter a full address such as name@contoso.com")
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fe("is not a valid email address")
	}
	if a.Name != "" || a.Address != v {
		return fe("must be a plain address such as name@contoso.com")
	}
	at := strings.LastIndex(v, "@")
	local, domain := v[:at], strings.ToLower(v[at+1:])
	if domain != "localhost" {
		if msg := checkDomain(domain, true); msg != "" {
			return fe("has an invalid domain: " + msg)
		}
	}
	return local + "@" + domain, nil
}

// FieldSecretExpires is the label of step 3's optional expiry date field.
const FieldSecretExpires = "Expires"

const hintSecretExpires = "Optional: copy the date from the Expires column of App registrations > your app > " +
	"Certificates & secrets > Client secrets, as YYYY-MM-DD (e.g. 2027-06-30) or as the portal shows it " +
	"(e.g. 6/30/2027). Leave it empty when unknown."

// ValidateSecretExpiry accepts the client secret's expiry date, optional:
// empty (after cleaning) is "unknown" and returns "". It takes YYYY-MM-DD
// and the portal's M/D/YYYY, and returns YYYY-MM-DD (the form the config
// keeps). A date before today (in now's location) is refused: that secret
// no longer works, so its Value cannot be the one to use.
func ValidateSecretExpiry(s string, now time.Time) (string, error) {
	v := cleanPaste(s, false)
	if v == "" {
		return "", nil
	}
	fe := func(msg string) (string, error) {
		return "", &FieldError{Field: FieldSecretExpires, Message: msg, Hint: hintSecretExpires}
	}
	var d time.Time
	var err error
	if strings.Contains(v, "/") {
		d, err = time.ParseInLocation("1/2/2006", v, now.Location())
	} else {
		d, err = time.ParseInLocation(time.DateOnly, v, now.Location())
	}
	if err != nil {
		return fe("is not a date; write it as YYYY-MM-DD (e.g. 2027-06-30) or as the portal's Expires column shows it (e.g. 6/30/2027)")
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if d.Before(today) {
		return fe("is " + d.Format(time.DateOnly) + ", a date in the past: that secret has expired and no longer works; " +
			"create a new client secret (Certificates & secrets > New client secret), paste its Value above and its Expires date here")
	}
	return d.Format(time.DateOnly), nil
}
