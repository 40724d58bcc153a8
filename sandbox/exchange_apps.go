package sandbox

import (
	"slices"
	"strings"
)

// ExchangeServicePrincipal is an app registered in Exchange Online for
// app-only access: New-ServicePrincipal -AppId AppID -ObjectId ObjectID,
// then Add-MailboxPermission -Identity <mailbox> -User ObjectID
// -AccessRights FullAccess for each mailbox in FullAccess.
type ExchangeServicePrincipal struct {
	AppID    string
	ObjectID string
	TenantID string
	// FullAccess lists the mailboxes (UPNs) the service principal may use.
	FullAccess []string
}

// appMayUseMailbox reports whether an app-only token's service principal
// (appid and oid, as Exchange matches them) is registered in the mailbox's
// tenant with FullAccess on it. The scenarios app-not-registered-in-exchange
// and app-no-mailbox-permission take each away.
func (s *Sandbox) appMayUseMailbox(c *TokenClaims, mbx Mailbox) bool {
	switch s.opts.Scenario {
	case "app-not-registered-in-exchange", "app-no-mailbox-permission":
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.dir.ServicePrincipals {
		if !strings.EqualFold(sp.AppID, c.AppID) || !strings.EqualFold(sp.ObjectID, c.ObjectID) ||
			!strings.EqualFold(sp.TenantID, mbx.TenantID) {
			continue
		}
		return slices.ContainsFunc(sp.FullAccess, func(u string) bool { return strings.EqualFold(u, mbx.UPN) })
	}
	return false
}

// appRoles are the roles of an app-only token for resource: the app's
// consented application permissions of that resource, less SMTP.SendAsApp
// under the app-permission-missing scenario.
func (s *Sandbox) appRoles(app App, resource string) []string {
	roles := grantedAppRoles(app, resource)
	if s.opts.Scenario == "app-permission-missing" {
		roles = slices.DeleteFunc(roles, func(r string) bool { return strings.EqualFold(r, "SMTP.SendAsApp") })
	}
	return roles
}

// deviceFlowPolicy is Conditional Access on the device code flow: the
// device-code-blocked scenario blocks the flow (Authentication flows
// condition, AADSTS53003), device-auth-required asks for a compliant
// device (AADSTS50097). The other flows are not affected.
func (s *Sandbox) deviceFlowPolicy() *entraError {
	switch s.opts.Scenario {
	case "device-code-blocked":
		return errConditionalAccess()
	case "device-auth-required":
		return &entraError{400, "invalid_grant", 50097, "Device authentication is required.", ""}
	}
	return nil
}
