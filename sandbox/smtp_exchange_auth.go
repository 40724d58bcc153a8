package sandbox

import (
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Exchange Online's SMTP AUTH: XOAUTH2 checked for real, LOGIN refused.

// authFailed is Exchange's answer to every refused credential, naming
// the front end's internal host.
func (d *exchangeDialect) authFailed() string {
	return "535 5.7.3 Authentication unsuccessful [" + d.internalName() + "]"
}

// oldTLS reports a session that negotiated TLS below 1.2 (possible only
// in the tls-old scenario, with a client that still offers TLS 1.0/1.1).
func oldTLS(c *session) bool { return c.tlsVersion != 0 && c.tlsVersion < tls.VersionTLS12 }

// auth runs AUTH XOAUTH2 (initial response on the AUTH line, or after an
// empty 334 challenge) and AUTH LOGIN; other mechanisms are not offered.
func (d *exchangeDialect) auth(c *session, mech, initial string) bool {
	t := &d.text
	if c.tlsVersion == 0 || (mech != "XOAUTH2" && mech != "LOGIN") {
		// AUTH is offered only after STARTTLS, and only these two.
		return c.fail(t.authNotOffered)
	}
	if oldTLS(c) {
		c.send(exoTLSTooOld)
		return false
	}
	if mech == "LOGIN" {
		return d.authLogin(c, initial)
	}
	resp := initial
	if resp == "" {
		// Two-step form: an empty challenge, then the client's response.
		if !c.send("334 ") {
			return false
		}
		line, ok := c.saslResponse()
		if !ok {
			return false
		}
		resp = line
	}
	if resp == "*" {
		return c.fail(t.authCancelled)
	}
	user, token, err := decodeXOAUTH2(resp)
	if err != nil {
		return c.fail(d.authFailed())
	}
	mbx, reply := d.checkToken(user, token)
	if mbx == "" {
		return c.fail(reply)
	}
	c.authUser = mbx
	c.authSeq = d.seq.Add(1)
	d.limits.open(mbx, c.authSeq)
	return c.send(exoAuthOK)
}

// authLogin runs AUTH LOGIN's two prompts. Basic authentication for
// client submission is disabled (the default in Exchange Online from the
// end of December 2026): the answer is 535 5.7.139 ... basic
// authentication is disabled, with Exchange's [host timestamp id] suffix,
// or, under the basic-auth-retired scenario, the announced 550 5.7.30.
func (d *exchangeDialect) authLogin(c *session, initial string) bool {
	prompts := []string{"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"} // "Username:", "Password:"
	if initial != "" {
		prompts = prompts[1:]
	}
	for _, p := range prompts {
		if !c.send(p) {
			return false
		}
		line, ok := c.saslResponse()
		if !ok {
			return false
		}
		if line == "*" {
			return c.fail(d.text.authCancelled)
		}
	}
	if d.s.opts.Scenario == "basic-auth-retired" {
		return c.fail(exoBasicAuthRemoved)
	}
	return c.fail(exoBasicAuthDisabled + " [" + d.replySuffix() + "]")
}

// Replies to a password AUTH.
const (
	exoBasicAuthDisabled = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
	exoBasicAuthRemoved  = "550 5.7.30 Basic authentication is not supported for Client Submission."
)

// replySuffix is what Exchange appends in brackets to some refusals: the
// front end's internal name, the time (UTC, milliseconds, as in Exchange
// Online's replies) and a 16-hex-digit correlation ID.
func (d *exchangeDialect) replySuffix() string {
	return d.internalName() + " " + d.s.now().UTC().Format("2006-01-02T15:04:05.000Z") + " " +
		fmt.Sprintf("%016X", rand.Uint64())
}

// checkToken verifies an XOAUTH2 bearer token the way Exchange Online does
// and returns the mailbox it signs in, or "" and the refusal. Any token
// problem (signature, expiry, audience, scope, user= not the token's
// account, no such mailbox) is the same 535 5.7.3; only a valid sign-in
// learns that SMTP AUTH is switched off.
func (d *exchangeDialect) checkToken(user, token string) (string, string) {
	claims, err := d.s.verifyAccessToken(token)
	if err != nil {
		return "", d.authFailed()
	}
	var mbx Mailbox
	var tenant Tenant
	var ok bool
	if claims.UPN != "" {
		// Delegated token: user= must name the signed-in account.
		if !strings.EqualFold(user, claims.UPN) {
			return "", d.authFailed()
		}
		mbx, tenant, ok = d.s.mailboxByUPN(claims.UPN)
	} else {
		// App-only token (SMTP.SendAsApp): user= names the mailbox, which
		// the app's service principal must be registered for in Exchange
		// Online and hold FullAccess on.
		mbx, tenant, ok = d.s.mailboxByUPN(user)
		if ok && !d.s.appMayUseMailbox(claims, mbx) {
			return "", d.authFailed()
		}
	}
	if !ok || !strings.EqualFold(mbx.TenantID, claims.TenantID) {
		return "", d.authFailed()
	}
	sc := d.s.opts.Scenario
	switch {
	case mbx.SMTPAuthDisabled || sc == "smtp-auth-disabled-mailbox":
		return "", exoAuthDisabledMailbox
	case tenant.SMTPAuthDisabled || sc == "smtp-auth-disabled-tenant":
		return "", exoAuthDisabledTenant
	case sc == "security-defaults":
		return "", exoSecurityDefaults
	case sc == "smtp-conditional-access":
		return "", exoConditionalAccess
	}
	return mbx.UPN, ""
}

// mailboxByUPN looks a mailbox (and its tenant) up, case-insensitively.
func (s *Sandbox) mailboxByUPN(upn string) (Mailbox, Tenant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.dir.Mailboxes {
		if strings.EqualFold(m.UPN, upn) {
			for _, t := range s.dir.Tenants {
				if t.ID == m.TenantID {
					return m, t, true
				}
			}
			return m, Tenant{ID: m.TenantID}, true
		}
	}
	return Mailbox{}, Tenant{}, false
}
