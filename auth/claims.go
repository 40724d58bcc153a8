package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
)

// smtpSend is the delegated permission Exchange Online wants in scp.
const smtpSend = "SMTP.Send"

// maxTokenLen bounds what ParseClaims decodes; Entra tokens are a few KB.
const maxTokenLen = 64 << 10

// ParseClaims reads a JWT's payload without checking its signature (the
// service does that); it only tells the admin what the token allows.
//
// Errors never quote the token or its payload.
func ParseClaims(token string) (Claims, error) {
	token = strings.TrimSpace(token)
	if len(token) > maxTokenLen {
		return Claims{}, fmt.Errorf("access token is %d bytes long, more than a JWT from Entra ID can be", len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("access token is not a signed JWT (%d dot-separated parts, want 3)", len(parts))
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return Claims{}, errors.New("access token payload is not base64url")
	}
	var raw struct {
		Aud               json.RawMessage `json:"aud"`
		Scp               json.RawMessage `json:"scp"`
		Roles             json.RawMessage `json:"roles"`
		UPN               string          `json:"upn"`
		UniqueName        string          `json:"unique_name"`
		PreferredUsername string          `json:"preferred_username"`
		Tid               string          `json:"tid"`
		Oid               string          `json:"oid"`
		Exp               json.RawMessage `json:"exp"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Claims{}, errors.New("access token payload is not a JSON object of claims")
	}
	c := Claims{TenantID: raw.Tid, ObjectID: raw.Oid}
	if c.Audiences, err = stringOrList(raw.Aud, false); err != nil {
		return Claims{}, fmt.Errorf("access token claim aud: %w", err)
	}
	if len(c.Audiences) > 0 {
		c.Audience = c.Audiences[0]
	}
	if c.Scopes, err = stringOrList(raw.Scp, true); err != nil {
		return Claims{}, fmt.Errorf("access token claim scp: %w", err)
	}
	if c.Roles, err = stringOrList(raw.Roles, false); err != nil {
		return Claims{}, fmt.Errorf("access token claim roles: %w", err)
	}
	for _, u := range []string{raw.UPN, raw.UniqueName, raw.PreferredUsername} {
		if u != "" {
			c.UPN = u
			break
		}
	}
	if c.ExpiresAt, err = numericDate(raw.Exp); err != nil {
		return Claims{}, fmt.Errorf("access token claim exp: %w", err)
	}
	return c, nil
}

// decodeSegment decodes base64url without padding, as RFC 7515 says,
// tolerating padding and the standard alphabet some encoders emit.
func decodeSegment(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// stringOrList reads a claim that is a string or an array of strings; with
// split, a string is a space-separated list (scp). Absent or null is empty.
func stringOrList(m json.RawMessage, split bool) ([]string, error) {
	if len(m) == 0 || string(m) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(m, &one); err == nil {
		if split {
			return strings.Fields(one), nil
		}
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(m, &list); err != nil {
		return nil, errors.New("neither a string nor a list of strings")
	}
	return list, nil
}

// numericDate reads exp: seconds since the epoch as a number (a numeric
// string is tolerated). Absent means zero time.
func numericDate(m json.RawMessage) (time.Time, error) {
	if len(m) == 0 || string(m) == "null" {
		return time.Time{}, nil
	}
	s := string(m)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	f, err := strconv.ParseFloat(s, 64)
	// Beyond ±1e12 s (year ~33,000) is no date a token carries.
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e12 {
		return time.Time{}, errors.New("not a number of seconds")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// CheckSMTPClaims returns a diagnose problem (TokenWrongScope,
// TokenWrongAudience) when c cannot be used for SMTP in cloud cl.
// The audience is checked first: a token for another resource (Graph, say)
// is wrong whatever its scopes.
func CheckSMTPClaims(c Claims, cl cloud.Cloud) error {
	if cl.AuthorityHost == "" {
		cl = cloud.Global
	}
	f := diagnose.Facts{TenantID: c.TenantID, Mailbox: c.UPN}
	auds := c.Audiences
	if len(auds) == 0 && c.Audience != "" {
		auds = []string{c.Audience}
	}
	if !anyAudience(auds, cl.Audiences) {
		return diagnose.New(diagnose.TokenWrongAudience, f,
			fmt.Sprintf("token audience %q; Exchange Online in %s accepts %s",
				strings.Join(auds, ", "), cl.Label, strings.Join(cl.Audiences, ", ")), nil)
	}
	if !hasSMTPSend(c.Scopes) {
		got := "none"
		if len(c.Scopes) > 0 {
			got = strings.Join(c.Scopes, " ")
		}
		if len(c.Roles) > 0 {
			got += "; application roles " + strings.Join(c.Roles, " ")
		}
		return diagnose.New(diagnose.TokenWrongScope, f,
			fmt.Sprintf("token scopes (scp): %s; SMTP needs the delegated permission %s", got, smtpSend), nil)
	}
	return nil
}

// hasSMTPSend reports whether scopes hold SMTP.Send, bare (as in scp) or
// qualified with the resource (as MSAL reports granted scopes).
func hasSMTPSend(scopes []string) bool {
	for _, s := range scopes {
		if strings.EqualFold(s, smtpSend) || strings.HasSuffix(strings.ToLower(s), "/"+strings.ToLower(smtpSend)) {
			return true
		}
	}
	return false
}

// anyAudience reports whether one of got is one of want, ignoring case and
// a trailing slash.
func anyAudience(got, want []string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), "/")) }
	for _, g := range got {
		for _, w := range want {
			if g != "" && norm(g) == norm(w) {
				return true
			}
		}
	}
	return false
}
