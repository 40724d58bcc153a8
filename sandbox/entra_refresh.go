package sandbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Entra's refresh tokens are opaque to clients ("1.AXEA..." or "0.A..."):
// no JWT, nothing a client can read. The stand-in's are the same shape:
// "1.A" and the base64url of an AES-GCM sealed record, with a key derived
// from the sandbox's signing key. So a sandbox restarted with the same
// StateDir still redeems them, one with other keys cannot, and what is not
// one at all (a JWT, a truncated paste) is a malformed request.

// refreshPrefix starts every refresh token the stand-in issues.
const refreshPrefix = "1.A"

// refreshPad pads the sealed record so the token is about as long as
// Entra's (1 to 2 KB).
const refreshPad = 600

// Errors of parseRefreshToken.
var (
	// errRefreshMalformed: not a refresh token at all (AADSTS9002313).
	errRefreshMalformed = errors.New("not a refresh token")
	// errRefreshUnusable: a refresh token this sandbox did not issue
	// (AADSTS70008, as for one that expired).
	errRefreshUnusable = errors.New("refresh token not issued by this sandbox")
)

// refreshRecord is what a refresh token carries, sealed.
type refreshRecord struct {
	Claims TokenClaims `json:"c"`
	Pad    string      `json:"p,omitempty"`
}

// refreshAEAD is the cipher sealing refresh tokens.
func (s *Sandbox) refreshAEAD() (cipher.AEAD, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.signingKey)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, der)
	mac.Write([]byte("pimmail sandbox refresh tokens"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// issueRefreshToken mints an opaque refresh token carrying everything a
// later redemption needs (mailbox, tenant, client, scopes, issue and
// sign-in times).
func (s *Sandbox) issueRefreshToken(mbx Mailbox, app App, scope string, authTime time.Time) (string, error) {
	now := s.now()
	c := TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   mbx.ObjectID,
			Audience:  jwt.ClaimStrings{app.ClientID},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(RefreshTokenInactivity)),
			ID:        newGUID(),
		},
		Use:               "refresh",
		Scope:             scope,
		UPN:               mbx.UPN,
		PreferredUsername: mbx.UPN,
		TenantID:          mbx.TenantID,
		ObjectID:          mbx.ObjectID,
		AppID:             app.ClientID,
		Version:           "2.0",
		AuthTime:          jwt.NewNumericDate(authTime),
	}
	plain, err := json.Marshal(refreshRecord{Claims: c, Pad: opaque(refreshPad)})
	if err != nil {
		return "", err
	}
	aead, err := s.refreshAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plain, []byte(refreshPrefix))
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// parseRefreshToken opens a refresh token. It leaves the expiry to the
// caller, which answers it with Entra's own code.
func (s *Sandbox) parseRefreshToken(raw string) (*TokenClaims, error) {
	body, ok := strings.CutPrefix(raw, refreshPrefix)
	if !ok {
		return nil, errRefreshMalformed
	}
	sealed, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, errRefreshMalformed
	}
	aead, err := s.refreshAEAD()
	if err != nil {
		return nil, errRefreshUnusable
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errRefreshMalformed
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(refreshPrefix))
	if err != nil {
		return nil, errRefreshUnusable
	}
	var rec refreshRecord
	if err := json.Unmarshal(plain, &rec); err != nil {
		return nil, errRefreshUnusable
	}
	c := rec.Claims
	if c.Use != "refresh" || c.IssuedAt == nil || c.ExpiresAt == nil {
		return nil, errRefreshUnusable
	}
	return &c, nil
}

// errRefreshMalformedAnswer is Entra's answer to a refresh_token that is
// not one (a JWT, a truncated or altered paste).
func errRefreshMalformedAnswer() *entraError {
	return &entraError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid.", ""}
}
