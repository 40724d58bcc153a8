package auth

import (
	"strings"

	"github.com/pimmail/pimmail/diagnose"
)

// CheckToken checks, before it is sent to the SMTP server, that an access
// token can sign in there: its audience is the cloud's Exchange Online
// resource and its scp holds SMTP.Send. A token that cannot is a
// TokenWrongAudience or TokenWrongScope problem, explained as such, instead
// of the server's bare 535 5.7.3 after AUTH.
//
// Token runs it on every token it returns (from the cache or freshly
// refreshed), so every send checks; the device-code sign-in runs the same
// rule on the token it receives. A token that is not a readable JWT is
// judged by the scopes Entra said it granted (granted may be nil).
func CheckToken(tok AccessToken, s Settings, granted []string) error {
	claims := tokenClaims(tok.Value.Reveal(), granted, "")
	if claims.UPN == "" {
		claims.UPN = tok.Username
	}
	err := CheckSMTPClaims(claims, cloudOf(s))
	if p, ok := diagnose.As(err); ok {
		if p.Raw != "" && tok.Username != "" {
			p.Raw = "cached token of " + tok.Username + ": " + p.Raw
		}
		return scrub(p, s)
	}
	return err
}

// tokenClaims reads the claims pimmail judges a token by. Microsoft may
// encrypt tokens for its own resources, so a token that is no readable JWT
// is judged by what Entra says it granted: the resource part of a granted
// SMTP.Send scope is the token's audience.
func tokenClaims(token string, granted []string, tenant string) Claims {
	claims, err := ParseClaims(token)
	if err == nil {
		return claims
	}
	claims = Claims{Scopes: granted, TenantID: tenant}
	for _, g := range granted {
		if i := strings.LastIndex(g, "/"); i > 0 && hasSMTPSend([]string{g}) {
			claims.Audiences = append(claims.Audiences, g[:i])
		}
	}
	if len(claims.Audiences) > 0 {
		claims.Audience = claims.Audiences[0]
	}
	return claims
}
