package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// EntraError is Entra ID's error answer, as its token, device-code and
// OpenID configuration endpoints send it.
type EntraError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
}

// empty reports whether nothing Entra-specific was found.
func (e EntraError) empty() bool {
	return e.Error == "" && e.Description == "" && len(e.Codes) == 0
}

// AADSTS returns the error's AADSTS number: error_codes[0], else the number
// in error_description; 0 when there is none.
func (e EntraError) AADSTS() int {
	if len(e.Codes) > 0 && e.Codes[0] > 0 {
		return e.Codes[0]
	}
	if m := aadstsRe.FindStringSubmatch(e.Description); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

var (
	aadstsRe = regexp.MustCompile(`AADSTS(\d{1,9})\b`)
	// MSAL's TokenResponse.Validate formats a 200 answer with an error as
	// "<error>: <error_description>".
	errNameRe = regexp.MustCompile(`\b([a-z]+(?:_[a-z]+)+): (AADSTS\d+:[^\r\n]*)`)
	// httpCallRe is the first line comm.go writes for a non-2xx reply.
	httpCallRe = regexp.MustCompile(`http call\((\S+?)\)\((\w+)\) error: reply status code was (\d+)`)
)

// ParseEntraError finds Entra's error JSON in text (MSAL's CallErr text:
// "http call(<url>)(POST) error: reply status code was 400:\n{json}"), or,
// when the text holds no JSON, the error name and AADSTS description MSAL
// writes as "<error>: <description>". ok is false when neither is there.
func ParseEntraError(text string) (e EntraError, ok bool) {
	for i, n := 0, 0; i < len(text) && n < 8; n++ {
		j := strings.IndexByte(text[i:], '{')
		if j < 0 {
			break
		}
		i += j
		var cand EntraError
		if err := json.NewDecoder(strings.NewReader(text[i:])).Decode(&cand); err == nil && !cand.empty() {
			return cand, true
		}
		i++
	}
	if m := errNameRe.FindStringSubmatch(text); m != nil {
		return EntraError{Error: m[1], Description: m[2]}, true
	}
	if m := aadstsRe.FindStringIndex(text); m != nil {
		line := text[m[0]:]
		if k := strings.IndexAny(line, "\r\n"); k >= 0 {
			line = line[:k]
		}
		return EntraError{Description: line}, true
	}
	return EntraError{}, false
}

// aadstsCodes maps AADSTS numbers to the catalogue.
var aadstsCodes = map[int]Code{
	90002:   EntraTenantNotFound,
	900023:  EntraTenantNotFound, // tenant identifier neither a GUID nor a valid domain
	700016:  EntraAppNotFound,
	7000215: EntraSecretInvalid,
	7000222: EntraSecretExpired,
	7000218: EntraPublicClientDisabled,
	65001:   EntraConsentMissing,
	50076:   EntraMFARequired,
	50079:   EntraMFARegistration,
	53003:   EntraConditionalAccess,
	530035:  EntraSecurityDefaults,
	500011:  EntraNoExchange,
	70011:   EntraInvalidScope,
	1002012: EntraScopeNeedsDefault,
	70016:   EntraAuthorizationPending,
	70019:   EntraCodeExpired,
	70020:   EntraCodeExpired,
	70008:   EntraRefreshExpired,
	700082:  EntraRefreshInactive,
	50173:   EntraGrantRevoked,
	// AADSTS9002313: the request is malformed; what pimmail sends that
	// Entra can find malformed is the saved refresh token (a damaged cache).
	9002313: CacheSignInAgain,
}

// errorNames maps the OAuth `error` field, used when the AADSTS number is
// unknown or absent (slow_down and authorization_declined carry none).
var errorNames = map[string]Code{
	"authorization_pending":  EntraAuthorizationPending,
	"slow_down":              EntraSlowDown,
	"expired_token":          EntraCodeExpired,
	"authorization_declined": EntraDeclined,
	"access_denied":          EntraDeclined, // RFC 8628's name for a declined device code
	"invalid_tenant":         EntraTenantNotFound,
	"invalid_client":         EntraSecretInvalid,
	"invalid_grant":          EntraRefreshExpired,
	"interaction_required":   EntraMFARequired,
	"consent_required":       EntraConsentMissing,
	"invalid_scope":          EntraInvalidScope,
}

// Classify maps an Entra error answer to a catalogue code: the AADSTS
// number (error_codes[0], or the number in error_description when the
// answer has no error_codes) first, then the `error` name; EntraOther when
// neither is known. The number goes first because the name is generic:
// invalid_grant covers consent, MFA, Conditional Access and revocation.
func (e EntraError) Classify() Code {
	if c, ok := aadstsCodes[e.AADSTS()]; ok {
		return c
	}
	if c, ok := errorNames[e.Error]; ok {
		return c
	}
	return EntraOther
}

// Entra classifies an error from MSAL Go (token, device code, OpenID
// configuration requests): it reads Entra's error JSON (error, error_codes,
// error_description) out of the error, or recognises network/TLS failures
// and context cancellation/timeout. Never returns nil for a non-nil err.
//
// The JSON is read from the error text first, because MSAL's device-code
// poller consumes CallErr.Resp.Body; the body is the fallback. CallErr's
// Verbose is never used: it prints the request, client secret included.
func Entra(err error, f Facts) *Problem {
	if err == nil {
		return nil
	}
	if p, ok := As(err); ok {
		return p
	}
	var call msalerrors.CallErr
	isCall := errors.As(err, &call)
	text := err.Error()
	ee, ok := ParseEntraError(text)
	if !ok && isCall {
		if body := readBody(call); body != "" {
			ee, ok = ParseEntraError(body)
		}
	}
	if ok {
		f = factsFromEntra(ee, f)
		p := New(ee.Classify(), f, entraRaw(ee, text), err)
		p.TraceID, p.CorrelationID = ee.ids()
		return p
	}
	if p, ok := Net(err, f); ok {
		return p
	}
	if p, ok := proxyProblem(err, factsFromAddr(err, f), text, true); ok {
		return p
	}
	if isCall {
		return New(EntraOther, f, firstLines(text, 4), err)
	}
	return New(Unexpected, f, firstLines(text, 8), err)
}

// ids returns the trace and correlation IDs of the answer: the JSON
// fields, else the "Trace ID:" and "Correlation ID:" lines of the
// description (MSAL's text sometimes keeps only those).
func (e EntraError) ids() (trace, correlation string) {
	trace, correlation = e.TraceID, e.CorrelationID
	for _, l := range strings.Split(strings.ReplaceAll(e.Description, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "Trace ID:"); ok && trace == "" {
			trace = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "Correlation ID:"); ok && correlation == "" {
			correlation = strings.TrimSpace(v)
		}
	}
	return trace, correlation
}

// readBody reads a CallErr's response body if MSAL left it readable, and
// puts the bytes back so later readers see the same.
func readBody(call msalerrors.CallErr) string {
	if call.Resp == nil || call.Resp.Body == nil {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(call.Resp.Body, 1<<16))
	if err != nil {
		return ""
	}
	call.Resp.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

// entraRaw is the details text: the description's first line, the error
// name and codes, and the IDs Microsoft support asks for.
func entraRaw(e EntraError, text string) string {
	var b strings.Builder
	desc := strings.ReplaceAll(e.Description, "\r\n", "\n")
	lines := strings.Split(desc, "\n")
	b.WriteString(strings.TrimSpace(lines[0]))
	field := func(name, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(name + ": " + v)
	}
	// IDs not in the JSON fields may still be in the description's lines.
	fromDesc := func(prefix string) string {
		for _, l := range lines[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), prefix+":"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	or := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	field("error", e.Error)
	if len(e.Codes) > 0 {
		field("error_codes", fmt.Sprint(e.Codes))
	}
	field("Trace ID", or(e.TraceID, fromDesc("Trace ID")))
	field("Correlation ID", or(e.CorrelationID, fromDesc("Correlation ID")))
	field("Timestamp", or(e.Timestamp, fromDesc("Timestamp")))
	if m := httpCallRe.FindStringSubmatch(text); m != nil {
		field("HTTP", m[3]+" from "+m[2]+" "+m[1])
	}
	return b.String()
}

var (
	tenantRe = regexp.MustCompile(`(?:Tenant|directory|tenant named) '([^']+)'`)
	clientRe = regexp.MustCompile(`(?:Application with identifier|app|application with ID) '([^']+)'`)
)

// factsFromEntra fills the tenant and client ID from the description when
// the caller did not know them, so the fix can name them.
func factsFromEntra(e EntraError, f Facts) Facts {
	if f.TenantID == "" {
		if m := tenantRe.FindStringSubmatch(e.Description); m != nil {
			f.TenantID = m[1]
		}
	}
	if f.ClientID == "" {
		if m := clientRe.FindStringSubmatch(e.Description); m != nil {
			f.ClientID = m[1]
		}
	}
	return f
}

// firstLines keeps a raw text short for the details view.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}
