package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RefreshTokenInactivity is how long a refresh token stays redeemable
// unused: Entra's 90 days. Each redemption hands out a fresh one.
const RefreshTokenInactivity = 90 * 24 * time.Hour

// idTokenLifetime is Entra's ID token lifetime.
const idTokenLifetime = time.Hour

// displayName derives a display name from a UPN's local part
// ("pim-notifications@..." -> "pim-notifications"), for the ID token.
func displayName(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	return local
}

// pairwiseSubject is the ID token's sub: per user and app, as Entra's
// pairwise subjects are, stable across runs.
func pairwiseSubject(oid, clientID string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(oid) + "|" + strings.ToLower(clientID)))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:43]
}

// ServicePrincipalObjectID is the object ID of the sandbox app clientID's
// service principal (its Enterprise application): the oid of its app-only
// tokens, which New-ServicePrincipal -ObjectId needs.
func ServicePrincipalObjectID(clientID string) string { return servicePrincipalID(clientID) }

// servicePrincipalID is the object ID of the app's service principal in
// its tenant: derived from the client ID so it is stable across runs.
func servicePrincipalID(clientID string) string {
	sum := sha256.Sum256([]byte("sp|" + strings.ToLower(clientID)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// issueIDToken mints the v2.0 ID token MSAL reads the account from:
// preferred_username, name, oid, tid, sub, aud = client ID.
func (s *Sandbox) issueIDToken(mbx Mailbox, app App) (string, error) {
	now := s.now()
	c := TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuerFor(mbx.TenantID),
			Subject:   pairwiseSubject(mbx.ObjectID, app.ClientID),
			Audience:  jwt.ClaimStrings{app.ClientID},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(idTokenLifetime)),
		},
		TenantID:          mbx.TenantID,
		ObjectID:          mbx.ObjectID,
		PreferredUsername: mbx.UPN,
		Name:              displayName(mbx.UPN),
		Version:           "2.0",
	}
	return s.signToken(c)
}

// issueAppToken mints a client-credentials token for the resource asked
// for: aud is that resource as the client named it, roles the app's
// consented application permissions of that resource only (no roles claim
// when there are none), no scp, idtyp "app".
func (s *Sandbox) issueAppToken(app App, resource string, lifetime time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(lifetime)
	sp := servicePrincipalID(app.ClientID)
	c := TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    "https://" + s.audienceCloud(resource).TokenIssuerHost + "/" + app.TenantID + "/",
			Subject:   sp,
			Audience:  jwt.ClaimStrings{resource},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Use:      "access",
		Roles:    s.appRoles(app, resource),
		TenantID: app.TenantID,
		ObjectID: sp,
		AppID:    app.ClientID,
		Version:  "1.0",
		IDType:   "app",
		UTI:      newUTI(),
		Extra:    appExtra(app),
	}
	tok, err := s.signAccessToken(c)
	return tok, exp, err
}

// newUTI returns a token identifier like Entra's uti claim.
func newUTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])[:22]
}

// clientInfo is the token answer's client_info: base64url JSON of the
// account's object and tenant IDs, from which MSAL builds the home account ID.
func clientInfo(mbx Mailbox) string {
	b, _ := json.Marshal(struct {
		UID  string `json:"uid"`
		UTID string `json:"utid"`
	}{mbx.ObjectID, mbx.TenantID})
	return base64.RawURLEncoding.EncodeToString(b)
}
