package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
)

// Entra's access tokens for Exchange Online are 1.5 to 3 KB: besides the
// claims Exchange checks they carry the sign-in's context (acr, amr, aio,
// ipaddr, sid, rh, wids, xms_*). The stand-in issues the same claim set, so
// that code sending them (an SMTP AUTH line, a cache file) meets their real
// size.

// Access token lifetimes: Entra assigns a random lifetime between 60 and
// 90 minutes (75 on average) unless a policy sets one.
const (
	minAccessLifetime = 60 * time.Minute
	maxAccessLifetime = 90 * time.Minute
)

// accessLifetime is the lifetime of the next access token: the configured
// one, or Entra's random 60 to 90 minutes (to the second).
func (s *Sandbox) accessLifetime() time.Duration {
	if s.opts.AccessTokenLifetime > 0 {
		return s.opts.AccessTokenLifetime
	}
	span := int64((maxAccessLifetime - minAccessLifetime) / time.Second)
	n, err := rand.Int(rand.Reader, big.NewInt(span+1))
	if err != nil {
		return minAccessLifetime
	}
	return minAccessLifetime + time.Duration(n.Int64())*time.Second
}

// Well-known directory role template IDs Entra lists in wids.
const (
	widUser           = "b79fbf4d-3ef9-4689-8143-76b194e85509" // (default) User
	widServiceAccount = "0997a1d0-0d1d-4acb-b408-d5ca73121e90" // app-only tokens
)

// sandboxClientIP is the ipaddr claim: the stand-in does not see the
// client's public address, so it uses one from the documentation range.
const sandboxClientIP = "203.0.113.10"

// opaque returns n random bytes as base64url, the shape of aio, rh, xms_ftd.
func opaque(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// puid is the mailbox's passport unique ID, 16 upper-case hex digits,
// stable for the object ID.
func puid(oid string) string {
	sum := sha256.Sum256([]byte("puid|" + strings.ToLower(oid)))
	return fmt.Sprintf("%X", sum[:8])
}

// nameParts derives given and family name from a UPN's local part
// ("pim-notifications" -> "Pim", "Notifications").
func nameParts(upn string) (given, family string) {
	local, _, _ := strings.Cut(upn, "@")
	f := strings.FieldsFunc(local, func(r rune) bool { return r == '-' || r == '.' || r == '_' })
	title := func(s string) string {
		if s == "" {
			return s
		}
		r := []rune(s)
		r[0] = unicode.ToUpper(r[0])
		return string(r)
	}
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return title(f[0]), ""
	}
	return title(f[0]), title(strings.Join(f[1:], " "))
}

// delegatedExtra is the sign-in context of a delegated access token.
func delegatedExtra(mbx Mailbox, app App, authTime time.Time) map[string]any {
	given, family := nameParts(mbx.UPN)
	appidacr := "0" // public client: no client authentication
	return map[string]any{
		"acct":            0,
		"acr":             "1",
		"aio":             opaque(96),
		"amr":             []string{"pwd", "mfa"},
		"app_displayname": app.Name,
		"appidacr":        appidacr,
		"family_name":     family,
		"given_name":      given,
		"idtyp":           "user",
		"ipaddr":          sandboxClientIP,
		"name":            displayName(mbx.UPN),
		"puid":            puid(mbx.ObjectID),
		"rh":              "1.AXEA" + opaque(48) + ".",
		"sid":             newGUID(),
		"wids":            []string{widUser},
		"xms_ftd":         opaque(48),
		"xms_idrel":       "1 12",
		"xms_st":          map[string]string{"sub": pairwiseSubject(mbx.ObjectID, app.ClientID)},
		"xms_tcdt":        authTime.Add(-400 * 24 * time.Hour).Unix(),
	}
}

// appExtra is the context of a client-credentials token.
func appExtra(app App) map[string]any {
	return map[string]any{
		"aio":             opaque(64),
		"app_displayname": app.Name,
		"appidacr":        "1", // client secret
		"idp":             "https://sts.windows.net/" + app.TenantID + "/",
		"rh":              "1.AXEA" + opaque(48) + ".",
		"wids":            []string{widServiceAccount},
		"xms_ftd":         opaque(48),
		"xms_idrel":       "7 28",
	}
}
