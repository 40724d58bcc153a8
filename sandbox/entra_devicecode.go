package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// deviceCodeState is where a device code is in its life.
type deviceCodeState int

const (
	codePending deviceCodeState = iota
	codeApproved
	codeDeclined
)

// deviceCode is one device-code sign-in in progress. Guarded by Sandbox.mu.
type deviceCode struct {
	deviceCode string
	userCode   string
	tenantID   string
	app        App
	scopes     scopeRequest
	issued     time.Time
	expires    time.Time
	// interval is the minimum time between polls handed out (Entra never
	// enforces it with slow_down).
	interval time.Duration
	lastPoll time.Time
	state    deviceCodeState
	upn      string    // who approved
	authTime time.Time // when they did
}

// userCodeAlphabet has no 0/O, 1/I/L: a person copies the code by hand.
const userCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// userCodeLen is the length of Entra's user codes.
const userCodeLen = 9

// newUserCode returns a user code like Entra's, e.g. "GH7K2MPQX".
func newUserCode() string {
	var b [userCodeLen]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b[:])
}

// newDeviceCode returns an opaque device code, long like Entra's.
func newDeviceCode() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return "DAQABIQEAAAB" + base64.RawURLEncoding.EncodeToString(b[:])
}

// normalizeUserCode turns what a person typed into a user code: spaces and
// hyphens dropped, upper case. It returns "" when the result cannot be a
// user code (wrong length or characters), so the page can say so at once.
func normalizeUserCode(typed string) string {
	var sb strings.Builder
	for _, r := range typed {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if r > 127 || !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", r) {
			return ""
		}
		sb.WriteRune(r)
		if sb.Len() > userCodeLen {
			return ""
		}
	}
	if sb.Len() != userCodeLen {
		return ""
	}
	return sb.String()
}

// ceilSeconds is d in whole seconds, rounded up, at least 1: the JSON
// fields expires_in and interval are integers.
func ceilSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// deviceCodeAnswer is the devicecode endpoint's JSON, in Entra's field
// order. Entra sends no verification_uri_complete.
type deviceCodeAnswer struct {
	UserCode        string `json:"user_code"`
	DeviceCode      string `json:"device_code"`
	VerificationURI string `json:"verification_uri"`
	ExpiresIn       int    `json:"expires_in"`
	Interval        int    `json:"interval"`
	Message         string `json:"message"`
}

// handleDeviceCode serves POST /{tenant}/oauth2/v2.0/devicecode. It checks
// the tenant, the app and the scope; an app with public client flows off
// still gets a code here, as from Entra: polling is what fails.
func (s *Sandbox) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	t, form, app, e := s.appRequest(w, r)
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}
	scopes, e := s.parseScopes(form.Get("scope"), t.ID)
	if e == nil {
		_, e = scopes.delegatedPerms(app)
	}
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}

	now := s.now()
	lifetime := s.opts.DeviceCodeLifetime
	dc := &deviceCode{
		deviceCode: newDeviceCode(),
		tenantID:   t.ID,
		app:        app,
		scopes:     scopes,
		issued:     now,
		expires:    now.Add(lifetime),
		interval:   s.opts.PollInterval,
		lastPoll:   now,
	}
	if s.opts.Scenario == "code-expired" {
		// Nobody signs in and the code runs out; after three intervals
		// rather than fifteen minutes, so the rehearsal is short. The
		// answer still announces the usual lifetime, or the client would
		// give up on its own before Entra's expired_token arrives.
		dc.expires = now.Add(min(lifetime, 3*s.opts.PollInterval))
	}

	s.mu.Lock()
	st := s.entra()
	if st == nil {
		s.mu.Unlock()
		http.Error(w, "sandbox closed", http.StatusServiceUnavailable)
		return
	}
	st.purgeLocked(now)
	for {
		dc.userCode = newUserCode()
		if _, taken := st.byUser[dc.userCode]; !taken {
			break
		}
	}
	st.byDevice[dc.deviceCode] = dc
	st.byUser[dc.userCode] = dc
	s.mu.Unlock()

	uri := s.endpoints.Authority + "/devicelogin"
	writeJSON(w, http.StatusOK, deviceCodeAnswer{
		UserCode:        dc.userCode,
		DeviceCode:      dc.deviceCode,
		VerificationURI: uri,
		ExpiresIn:       ceilSeconds(lifetime),
		Interval:        ceilSeconds(s.opts.PollInterval),
		Message:         fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, dc.userCode),
	})
}

// purgeLocked forgets codes that expired long ago, so a long-running
// sandbox does not grow.
func (st *entraState) purgeLocked(now time.Time) {
	for k, dc := range st.byDevice {
		if now.Sub(dc.expires) > time.Hour {
			delete(st.byDevice, k)
			delete(st.byUser, dc.userCode)
		}
	}
}

// forgetLocked removes a code once it has been answered for good.
func (st *entraState) forgetLocked(dc *deviceCode) {
	delete(st.byDevice, dc.deviceCode)
	delete(st.byUser, dc.userCode)
}

// autoDecideLocked plays the person on the other device: once ApproveAfter
// has passed, the tenant's first mailbox approves (or, under the declined
// scenario, declines). It runs when the code is looked at rather than on a
// timer, so it needs no goroutine and follows the sandbox clock.
func (s *Sandbox) autoDecideLocked(dc *deviceCode, now time.Time) {
	if dc.state != codePending || s.opts.ApproveAfter < 0 || s.opts.Scenario == "code-expired" {
		return
	}
	if now.Before(dc.issued.Add(s.opts.ApproveAfter)) || !now.Before(dc.expires) {
		return
	}
	if s.opts.Scenario == "declined" {
		dc.state = codeDeclined
		return
	}
	if mbx, ok := s.lookupMailboxLocked(dc.tenantID, ""); ok {
		dc.state, dc.upn, dc.authTime = codeApproved, mbx.UPN, now
	}
}

// Errors Approve and the device-login page report.
var (
	// ErrUnknownUserCode: no device code with this user code is waiting.
	ErrUnknownUserCode = errors.New("that code wasn't recognised: check it and try again")
	// ErrUserCodeExpired: the code's lifetime is over.
	ErrUserCodeExpired = errors.New("that code has expired: start the sign-in again on the device for a new one")
	// ErrUserCodeUsed: the code was already approved or declined.
	ErrUserCodeUsed = errors.New("that code has already been used")
	// ErrUnknownMailbox: the UPN is not a mailbox of the code's tenant.
	ErrUnknownMailbox = errors.New("no such mailbox in the sandbox directory for this tenant")
)

// Approve approves (or, with approve=false, declines) the pending device
// code with this user code, as the person on the other device would on the
// verification page. upn chooses the mailbox signing in ("" = the first).
// The user code is normalised as on the page (case, spaces, hyphens).
func (s *Sandbox) Approve(userCode, upn string, approve bool) error {
	_, err := s.decide(userCode, upn, approve)
	return err
}

// decide is Approve, also returning the code's app for the page to name.
func (s *Sandbox) decide(userCode, upn string, approve bool) (App, error) {
	code := normalizeUserCode(userCode)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.entra()
	if st == nil {
		return App{}, errors.New("sandbox is closed")
	}
	dc, ok := st.byUser[code]
	if !ok || code == "" {
		return App{}, ErrUnknownUserCode
	}
	now := s.now()
	if !now.Before(dc.expires) {
		return dc.app, ErrUserCodeExpired
	}
	if dc.state != codePending {
		return dc.app, ErrUserCodeUsed
	}
	if !approve {
		dc.state = codeDeclined
		return dc.app, nil
	}
	mbx, ok := s.lookupMailboxLocked(dc.tenantID, upn)
	if !ok {
		return dc.app, fmt.Errorf("%w: %q", ErrUnknownMailbox, upn)
	}
	dc.state, dc.upn, dc.authTime = codeApproved, mbx.UPN, now
	return dc.app, nil
}
