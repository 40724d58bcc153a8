package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// entraError is one Entra error answer before it is put on the wire. The
// field order of the JSON written by writeEntraError follows Entra's.
type entraError struct {
	status int    // 400 or 401
	err    string // the OAuth error value, e.g. "invalid_client"
	code   int    // the AADSTS number; 0 when Entra has none for this answer
	text   string // the description after "AADSTSnnnn: "
	// suberror is Entra's extra hint for MSAL (consent_required, basic_action, message_only).
	suberror string
}

// entraErrorBody is the JSON Entra answers errors with.
type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes,omitempty"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri,omitempty"`
	Suberror         string `json:"suberror,omitempty"`
}

// entraTimestamp is Entra's timestamp layout in error answers.
const entraTimestamp = "2006-01-02 15:04:05Z"

// body builds the JSON body: description "AADSTSnnnn: text" followed by the
// trace ID, correlation ID and timestamp lines, each after "\r\n", as Entra
// writes them.
func (e *entraError) body(now time.Time, correlationID string) entraErrorBody {
	ts := now.UTC().Format(entraTimestamp)
	trace := newGUID()
	desc := e.text
	b := entraErrorBody{Error: e.err, Timestamp: ts, TraceID: trace, CorrelationID: correlationID, Suberror: e.suberror}
	if e.code != 0 {
		desc = "AADSTS" + strconv.Itoa(e.code) + ": " + e.text
		b.ErrorCodes = []int{e.code}
		b.ErrorURI = "https://login.microsoftonline.com/error?code=" + strconv.Itoa(e.code)
	}
	b.ErrorDescription = desc + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlationID + "\r\nTimestamp: " + ts
	return b
}

// Error makes entraError usable as a Go error inside the stand-in.
func (e *entraError) Error() string {
	if e.code == 0 {
		return e.err + ": " + e.text
	}
	return fmt.Sprintf("%s: AADSTS%d: %s", e.err, e.code, e.text)
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isGUID reports whether s is a GUID in its usual 8-4-4-4-12 form.
func isGUID(s string) bool { return guidRE.MatchString(s) }

// newGUID returns a random (version 4) GUID, lower case.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// correlationID echoes the client's client-request-id, as Entra does, so a
// support engineer can match the client's log line to the answer.
func correlationID(r *http.Request) string {
	if id := r.Header.Get("client-request-id"); isGUID(id) {
		return id
	}
	return newGUID()
}

// writeEntraError writes e the way Entra does.
func (s *Sandbox) writeEntraError(w http.ResponseWriter, r *http.Request, e *entraError) {
	b := e.body(s.now(), correlationID(r))
	writeJSON(w, e.status, b)
}

// writeJSON writes v as Entra does: no caching, JSON, UTF-8.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// The Entra errors the stand-in answers. Texts are Entra's (see the
// reference, "Entra error answers"); the constructors fill in the names.

func errTenantNotFound(tenant, errValue string) *entraError {
	return &entraError{400, errValue, 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant), ""}
}

func errTenantMalformed(tenant string) *entraError {
	return &entraError{400, "invalid_request", 900023, fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenant), ""}
}

func errNotMultiTenant(app App) *entraError {
	return &entraError{400, "invalid_request", 50194, fmt.Sprintf("Application '%s'(%s) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.", app.ClientID, app.Name), ""}
}

func errAppNotFound(clientID, tenantID string) *entraError {
	return &entraError{400, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenantID), ""}
}

func errBadSecret(clientID string) *entraError {
	return &entraError{401, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID), ""}
}

func errSecretExpired(clientID string) *entraError {
	return &entraError{401, "invalid_client", 7000222, fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", clientID), ""}
}

func errNeedsSecret() *entraError {
	return &entraError{401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", ""}
}

func errConsent(app App) *entraError {
	return &entraError{400, "invalid_grant", 65001, fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", app.ClientID, app.Name), "consent_required"}
}

func errMFA(resource string) *entraError {
	return &entraError{400, "interaction_required", 50076, fmt.Sprintf("Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '%s'.", resource), "basic_action"}
}

func errConditionalAccess() *entraError {
	return &entraError{400, "interaction_required", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "message_only"}
}

func errNoResource(resource, tenantID string) *entraError {
	return &entraError{400, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, tenantID), ""}
}

func errBadScope(scope string) *entraError {
	return &entraError{400, "invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' isn't valid. The scope %s isn't valid.", scope), ""}
}

func errNeedsDefaultScope(scope string) *entraError {
	return &entraError{400, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope), ""}
}

func errPending() *entraError {
	return &entraError{400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.", ""}
}

func errCodeExpired() *entraError {
	return &entraError{400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.", ""}
}

// errDeclined has no AADSTS number: none is confirmed for it (see the reference).
func errDeclined() *entraError {
	return &entraError{400, "authorization_declined", 0, "The end user denied the authorization request.", ""}
}

// errBadDeviceCode is Entra's documented answer to a device_code it never issued.
func errBadDeviceCode() *entraError {
	return &entraError{400, "bad_verification_code", 0, "The device_code sent to the /token endpoint wasn't recognized.", ""}
}

func errRefreshExpired() *entraError {
	return &entraError{400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.", ""}
}

func errRefreshInactive(issued time.Time) *entraError {
	return &entraError{400, "invalid_grant", 700082, fmt.Sprintf("The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", entraDate(issued)), ""}
}

func errRefreshRevoked(issued, validFrom time.Time) *entraError {
	return &entraError{400, "invalid_grant", 50173, fmt.Sprintf("The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '%s' and the TokensValidFrom date (before which tokens are not valid) for this user is '%s'.", entraDate(issued), entraDate(validFrom)), ""}
}

// entraDate is how Entra writes dates inside error texts.
func entraDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func errMissingParam(name string) *entraError {
	return &entraError{400, "invalid_request", 900144, fmt.Sprintf("The request body must contain the following parameter: '%s'.", name), ""}
}

func errUnsupportedGrant(grant string) *entraError {
	return &entraError{400, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant), ""}
}

func errPostOnly(method string) *entraError {
	return &entraError{400, "invalid_request", 900561, fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", method), ""}
}
