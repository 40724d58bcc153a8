package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OutlookAudience is the aud of delegated SMTP tokens, as Entra issues them.
const OutlookAudience = "https://outlook.office.com"

// OutlookAppAudience is the aud of client-credentials tokens for /.default.
const OutlookAppAudience = "https://outlook.office365.com"

// TokenClaims are the claims of sandbox-issued tokens (access and refresh).
type TokenClaims struct {
	jwt.RegisteredClaims
	// Use is "access" or "refresh"; Entra's refresh tokens are opaque, the
	// sandbox's are signed JWTs so they survive a restart without state.
	Use        string `json:"pimmail_use,omitempty"`
	Scope      string `json:"scp,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	UPN        string `json:"upn,omitempty"`
	UniqueName string `json:"unique_name,omitempty"`
	TenantID   string `json:"tid"`
	ObjectID   string `json:"oid,omitempty"`
	AppID      string `json:"appid"`
	Version    string `json:"ver"`
}

// signToken signs claims with the sandbox's RS256 key, kid in the header.
func (s *Sandbox) signToken(c TokenClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = s.keyID
	t.Header["x5t"] = s.keyID
	return t.SignedString(s.signingKey)
}

// issueAccessToken mints a delegated Outlook access token for mbx via app.
func (s *Sandbox) issueAccessToken(mbx Mailbox, app App, scopes []string, lifetime time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(lifetime)
	c := TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "https://sts.windows.net/" + mbx.TenantID + "/",
			Subject:   mbx.ObjectID,
			Audience:  jwt.ClaimStrings{OutlookAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Use:        "access",
		Scope:      strings.Join(scopes, " "),
		UPN:        mbx.UPN,
		UniqueName: mbx.UPN,
		TenantID:   mbx.TenantID,
		ObjectID:   mbx.ObjectID,
		AppID:      app.ClientID,
		Version:    "1.0",
	}
	tok, err := s.signToken(c)
	return tok, exp, err
}

// verifyAccessToken checks a bearer token the way Exchange Online does:
// signature against the sandbox key, expiry, audience, and an SMTP.Send
// scope (or SMTP.SendAsApp role). It returns the claims on success.
func (s *Sandbox) verifyAccessToken(raw string) (*TokenClaims, error) {
	var c TokenClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		return &s.signingKey.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(s.now), jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	if c.Use != "access" {
		return nil, errors.New("not an access token")
	}
	audOK := slices.ContainsFunc(c.Audience, func(a string) bool {
		return a == OutlookAudience || a == OutlookAppAudience
	})
	if !audOK {
		return nil, fmt.Errorf("audience %v is not Exchange Online", []string(c.Audience))
	}
	if !slices.Contains(strings.Fields(c.Scope), "SMTP.Send") && !slices.Contains(c.Roles, "SMTP.SendAsApp") {
		return nil, errors.New("token has neither SMTP.Send nor SMTP.SendAsApp")
	}
	return &c, nil
}
