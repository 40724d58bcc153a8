package sandbox

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// smtpCommand is one command line split into its verb and argument.
type smtpCommand struct {
	Verb string // upper-cased, e.g. "MAIL"
	Arg  string // the rest of the line, surrounding blanks removed
}

// parseCommand splits a command line (without CRLF) at its first space.
// Verbs are case-insensitive (RFC 5321 2.4), so the verb is upper-cased.
func parseCommand(line string) smtpCommand {
	verb, arg, _ := strings.Cut(line, " ")
	return smtpCommand{Verb: strings.ToUpper(verb), Arg: strings.Trim(arg, " \t")}
}

// smtpParam is one ESMTP parameter of MAIL or RCPT, e.g. SIZE=1024.
type smtpParam struct {
	Key   string // upper-cased
	Value string // "" when the parameter has no value (e.g. SMTPUTF8)
	HasEq bool   // whether "=" was present
	Raw   string // as the client wrote it, for replies that quote it
}

// Errors of the path parser. They only choose which reply to send.
var (
	errPathSyntax    = errors.New("syntax error in path")
	errParamSyntax   = errors.New("syntax error in parameters")
	errAddressSyntax = errors.New("invalid address")
)

// maxPathLen is RFC 5321 4.5.3.1.3's limit for a path including "<>".
const maxPathLen = 256

// parsePath parses the argument of MAIL ("FROM:<path> params") or RCPT
// ("TO:<path> params"). keyword is "FROM" or "TO". It tolerates what real
// servers tolerate: blanks after the colon, a missing pair of angle
// brackets, and an RFC 5321 source route (which is ignored). The returned
// address is "" for the null reverse-path "<>". The address itself is not
// validated here; see validateAddress.
func parsePath(arg, keyword string) (addr string, params []smtpParam, err error) {
	if len(arg) < len(keyword)+1 || !strings.EqualFold(arg[:len(keyword)], keyword) || arg[len(keyword)] != ':' {
		return "", nil, errPathSyntax
	}
	rest := strings.TrimLeft(arg[len(keyword)+1:], " ")
	if rest == "" {
		return "", nil, errPathSyntax
	}
	var after string
	if rest[0] == '<' {
		end := closingBracket(rest)
		if end < 0 {
			return "", nil, errPathSyntax
		}
		addr, after = rest[1:end], rest[end+1:]
		if after != "" && after[0] != ' ' {
			return "", nil, errPathSyntax
		}
	} else {
		// "MAIL FROM:user@example.com": not RFC 5321, accepted by Exchange and Postfix.
		// Without brackets a quoted local part cannot be delimited: refuse quotes.
		addr, after, _ = strings.Cut(rest, " ")
		if strings.ContainsAny(addr, "<>\"") {
			return "", nil, errPathSyntax
		}
	}
	if len(addr)+2 > maxPathLen {
		return "", nil, errAddressSyntax
	}
	if strings.HasPrefix(addr, "@") {
		// Source route "@a,@b:user@host": RFC 5321 C says to accept and ignore it.
		_, after, ok := strings.Cut(addr, ":")
		if !ok {
			return "", nil, errPathSyntax
		}
		addr = after
	}
	params, err = parseParams(after)
	if err != nil {
		return "", nil, err
	}
	return addr, params, nil
}

// closingBracket returns the index of the '>' that closes the path starting
// at s[0] == '<', skipping quoted strings (a quoted local part may hold '>').
func closingBracket(s string) int {
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch {
		case inQuote && s[i] == '\\':
			i++ // quoted-pair: skip the escaped character
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && s[i] == '>':
			return i
		case !inQuote && s[i] == '<':
			return -1
		}
	}
	return -1
}

// parseParams parses blank-separated esmtp-params (RFC 5321 4.1.2):
// esmtp-keyword ["=" esmtp-value], keyword = ALPHA/DIGIT *(ALPHA/DIGIT/"-"),
// value = 1*(%d33-60 / %d62-126).
func parseParams(s string) ([]smtpParam, error) {
	var params []smtpParam
	for _, f := range strings.Fields(s) {
		k, v, hasEq := strings.Cut(f, "=")
		if !isESMTPKeyword(k) {
			return nil, errParamSyntax
		}
		if hasEq {
			if v == "" {
				return nil, errParamSyntax
			}
			for i := 0; i < len(v); i++ {
				if v[i] < 33 || v[i] > 126 || v[i] == '=' {
					return nil, errParamSyntax
				}
			}
		}
		params = append(params, smtpParam{Key: strings.ToUpper(k), Value: v, HasEq: hasEq, Raw: f})
	}
	return params, nil
}

func isESMTPKeyword(k string) bool {
	if k == "" || !isAlnum(k[0]) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isAlnum(k[i]) && k[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// validateAddress checks an RFC 5321 Mailbox: Local-part "@" ( Domain /
// address-literal ). Non-ASCII (UTF-8) is allowed only when utf8OK, i.e.
// the transaction was opened with the SMTPUTF8 parameter (RFC 6531).
func validateAddress(addr string, utf8OK bool) error {
	if !utf8.ValidString(addr) {
		return errAddressSyntax
	}
	if !utf8OK {
		for i := 0; i < len(addr); i++ {
			if addr[i] >= 0x80 {
				return errAddressSyntax
			}
		}
	}
	var local, domain string
	if strings.HasPrefix(addr, `"`) {
		end := closingQuote(addr)
		if end < 0 || end+1 >= len(addr) || addr[end+1] != '@' {
			return errAddressSyntax
		}
		local, domain = addr[:end+1], addr[end+2:]
	} else {
		at := strings.LastIndexByte(addr, '@')
		if at < 0 {
			return errAddressSyntax
		}
		local, domain = addr[:at], addr[at+1:]
		if !isDotString(local) {
			return errAddressSyntax
		}
	}
	if len(local) == 0 || len(local) > 64 || len(domain) == 0 || len(domain) > 255 {
		return errAddressSyntax
	}
	if strings.HasPrefix(domain, "[") {
		if !strings.HasSuffix(domain, "]") || len(domain) < 3 {
			return errAddressSyntax
		}
		for _, r := range domain[1 : len(domain)-1] {
			if r <= ' ' || r == '[' || r == ']' || r == '\\' || r > '~' {
				return errAddressSyntax
			}
		}
		return nil
	}
	return validateDomain(domain)
}

// closingQuote returns the index of the '"' that closes the quoted string
// starting at s[0] == '"', or -1; control characters are not allowed.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			if i+1 >= len(s) || s[i+1] < ' ' || s[i+1] == 0x7f {
				return -1
			}
			i++
		case s[i] == '"':
			return i
		case s[i] < ' ' || s[i] == 0x7f:
			return -1
		}
	}
	return -1
}

// isDotString reports whether s is Atom *("." Atom) with RFC 5322 atext
// (plus UTF-8, whose admissibility validateAddress has already decided).
func isDotString(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			if !isAtext(atom[i]) {
				return false
			}
		}
	}
	return true
}

func isAtext(b byte) bool {
	return isAlnum(b) || b >= 0x80 || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", b) >= 0
}

// validateDomain checks sub-domain *("." sub-domain), each sub-domain a
// letter-digit-hyphen label not starting or ending with a hyphen.
func validateDomain(d string) error {
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errAddressSyntax
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' && label[i] < 0x80 {
				return errAddressSyntax
			}
		}
	}
	return nil
}

// addressDomain returns the lower-cased domain of a validated address.
func addressDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(addr[at+1:])
}

// bdatArgs parses "BDAT chunk-size [LAST]" (RFC 3030). The size is at most
// 18 digits so it always fits an int64.
func bdatArgs(arg string) (size int64, last bool, err error) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || len(f[0]) > 18 {
		return 0, false, errParamSyntax
	}
	for i := 0; i < len(f[0]); i++ {
		if f[0][i] < '0' || f[0][i] > '9' {
			return 0, false, errParamSyntax
		}
	}
	size, err = strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, false, errParamSyntax
	}
	if len(f) == 2 {
		if !strings.EqualFold(f[1], "LAST") {
			return 0, false, errParamSyntax
		}
		last = true
	}
	return size, last, nil
}
