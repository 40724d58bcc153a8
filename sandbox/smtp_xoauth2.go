package sandbox

import (
	"encoding/base64"
	"errors"
	"strings"
)

// errXOAUTH2 is any malformed SASL XOAUTH2 initial response. The stand-in
// answers it like Exchange answers every XOAUTH2 failure: 535 5.7.3.
var errXOAUTH2 = errors.New("malformed XOAUTH2 initial response")

// decodeXOAUTH2 decodes the base64 client response of SASL XOAUTH2 and
// returns the user and the bearer token. Base64 must be standard and
// padded, as .NET's Convert.FromBase64String (Exchange) requires.
func decodeXOAUTH2(b64 string) (user, token string, err error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return "", "", errXOAUTH2
	}
	return parseXOAUTH2(raw)
}

// parseXOAUTH2 parses "user=" user "\x01auth=Bearer " token "\x01\x01"
// (developers.google.com/gmail/imap/xoauth2-protocol, the format Exchange
// Online documents). Both fields are required exactly once, in any order;
// any other key, an empty value, a control character or a blank inside
// the user or token is an error, so nothing ambiguous is ever accepted.
func parseXOAUTH2(raw []byte) (user, token string, err error) {
	s := string(raw)
	body, ok := strings.CutSuffix(s, "\x01\x01")
	if !ok || body == "" {
		return "", "", errXOAUTH2
	}
	var haveUser, haveAuth bool
	for _, field := range strings.Split(body, "\x01") {
		key, value, ok := strings.Cut(field, "=")
		if !ok {
			return "", "", errXOAUTH2
		}
		switch key {
		case "user":
			if haveUser {
				return "", "", errXOAUTH2
			}
			haveUser, user = true, value
		case "auth":
			if haveAuth {
				return "", "", errXOAUTH2
			}
			scheme, tok, ok := strings.Cut(value, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return "", "", errXOAUTH2
			}
			haveAuth, token = true, tok
		default:
			return "", "", errXOAUTH2
		}
	}
	if !haveUser || !haveAuth || !xoauth2Field(user) || !xoauth2Field(token) {
		return "", "", errXOAUTH2
	}
	return user, token, nil
}

// xoauth2Field reports whether v is non-empty and free of blanks and
// control characters (which also excludes the \x01 separator).
func xoauth2Field(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return false
		}
	}
	return true
}
