package sandbox

import (
	"encoding/json"
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
	Use        string   `json:"pimmail_use,omitempty"`
	Scope      string   `json:"scp,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	UPN        string   `json:"upn,omitempty"`
	UniqueName string   `json:"unique_name,omitempty"`
	TenantID   string   `json:"tid"`
	ObjectID   string   `json:"oid,omitempty"`
	AppID      string   `json:"appid"`
	Version    string   `json:"ver"`
	// UTI is Entra's unique token identifier: no two tokens are alike.
	UTI string `json:"uti,omitempty"`
	// IDType is "app" on client-credentials tokens, as Entra marks them.
	IDType string `json:"idtyp,omitempty"`
	// PreferredUsername is set on ID tokens (and refresh tokens) only.
	PreferredUsername string `json:"preferred_username,omitempty"`
	// Name is the display name, on ID tokens.
	Name string `json:"name,omitempty"`
	// AuthTime is when the mailbox signed in interactively; refresh tokens
	// carry it forward.
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
	// Extra are the sign-in context claims Entra adds to access tokens
	// (acr, amr, aio, ipaddr, sid, wids, xms_*); written, never read back.
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes a single audience as a string, as Entra does (and as
// MSAL's ID-token parser requires), rather than golang-jwt's default array.
func (c TokenClaims) MarshalJSON() ([]byte, error) {
	type plain TokenClaims
	b, err := json.Marshal(plain(c))
	if err != nil || (len(c.Audience) != 1 && len(c.Extra) == 0) {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(c.Audience) == 1 {
		if m["aud"], err = json.Marshal(c.Audience[0]); err != nil {
			return nil, err
		}
	}
	for k, v := range c.Extra {
		if _, taken := m[k]; taken {
			continue
		}
		if m[k], err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(m)
}

// signToken signs claims with the sandbox's RS256 key, kid in the header.
func (s *Sandbox) signToken(c TokenClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = s.keyID
	t.Header["x5t"] = s.keyID
	return t.SignedString(s.signingKey)
}

// issueAccessTokenFor mints a delegated access token for the audience the
// client named (https://outlook.office.com or https://outlook.office365.com),
// with the claim set of Entra's v1.0 Exchange Online tokens.
func (s *Sandbox) issueAccessTokenFor(mbx Mailbox, app App, scopes []string, aud string, lifetime time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(lifetime)
	c := TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "https://" + s.audienceCloud(aud).TokenIssuerHost + "/" + mbx.TenantID + "/",
			Subject:   mbx.ObjectID,
			Audience:  jwt.ClaimStrings{aud},
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
		UTI:        newUTI(),
		Extra:      delegatedExtra(mbx, app, now),
	}
	tok, err := s.signAccessToken(c)
	if err == nil {
		s.noteTokenCloud(aud)
	}
	return tok, exp, err
}

// signAccessToken signs an access token as Entra signs tokens for
// Microsoft's own resources: a nonce in the header besides kid and x5t.
func (s *Sandbox) signAccessToken(c TokenClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["nonce"] = opaque(32)
	t.Header["kid"] = s.keyID
	t.Header["x5t"] = s.keyID
	return t.SignedString(s.signingKey)
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
	audOK := slices.ContainsFunc(c.Audience, s.exchangeAccepts)
	if !audOK {
		return nil, fmt.Errorf("audience %v is not Exchange Online", []string(c.Audience))
	}
	if !slices.Contains(strings.Fields(c.Scope), "SMTP.Send") && !slices.Contains(c.Roles, "SMTP.SendAsApp") {
		return nil, errors.New("token has neither SMTP.Send nor SMTP.SendAsApp")
	}
	return &c, nil
}
