package diagnose

import (
	"errors"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"

	mail "github.com/wneessen/go-mail"
)

// SMTP classifies an error from go-mail or an SMTP conversation: the
// server's reply (code, enhanced status, text), or a network/TLS failure,
// or context cancellation/timeout. Never returns nil for a non-nil err.
//
// go-mail's *mail.SendError does not unwrap to the reply it carries, so its
// reply is read from ErrorCode() and its text; *textproto.Error (AUTH and
// dial-time replies) is read directly.
func SMTP(err error, f Facts) *Problem {
	if err == nil {
		return nil
	}
	if p, ok := As(err); ok {
		return p
	}
	if p, ok := Net(err, f); ok && p.Code == NetCancelled {
		return p
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 400 {
		if p := Reply(tp.Code, tp.Msg, f); p != nil {
			p.Err = err
			return p
		}
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code, text, ok := sendErrorReply(se); ok {
			if p := Reply(code, text, f); p != nil {
				p.Err = err
				return p
			}
		}
	}
	if p, ok := Net(err, f); ok {
		return p
	}
	raw := err.Error()
	if code, ok := goMailCode(err, raw, f); ok {
		return New(code, f, raw, err)
	}
	// A SendError's cause is only in its text; tell the usual ones apart.
	if se != nil {
		switch {
		case strings.Contains(raw, "i/o timeout"), strings.Contains(raw, "deadline exceeded"):
			return New(NetTimeout, f, raw, err)
		case strings.Contains(raw, "EOF"), strings.Contains(raw, "connection reset"),
			strings.Contains(raw, "broken pipe"), strings.Contains(raw, "use of closed network connection"):
			return New(NetDropped, f, raw, err)
		}
	}
	// A reply we could not get as a value, e.g. inside a joined error.
	if m := replyInTextRe.FindStringSubmatch(raw); m != nil {
		code, _ := strconv.Atoi(m[1])
		if p := Reply(code, unquoteReply(m[2]), f); p != nil {
			p.Err = err
			return p
		}
	}
	return New(Unexpected, f, raw, err)
}

// replyInTextRe finds "535 5.7.3 ..." after a "...: " prefix in an error text.
var replyInTextRe = regexp.MustCompile(`(?:^|: )([45]\d\d) ([^\n]*)`)

// goMailCode recognises go-mail's own refusals, which are plain errors.
func goMailCode(err error, raw string, f Facts) (Code, bool) {
	switch {
	case errors.Is(err, mail.ErrXOauth2AuthNotSupported):
		return NoXOAUTH2, true
	case strings.Contains(raw, "does not support STARTTLS"):
		return NoSTARTTLS, true
	case strings.Contains(raw, "server does not support SMTP AUTH"),
		errors.Is(err, mail.ErrNoSupportedAuthDiscovered):
		if f.Username == "" {
			return NoXOAUTH2, true
		}
		return NoAuth, true
	case errors.Is(err, mail.ErrPlainAuthNotSupported), errors.Is(err, mail.ErrLoginAuthNotSupported),
		errors.Is(err, mail.ErrCramMD5AuthNotSupported), errors.Is(err, mail.ErrNTLMAuthNotSupported),
		errors.Is(err, mail.ErrSCRAMSHA1AuthNotSupported), errors.Is(err, mail.ErrSCRAMSHA256AuthNotSupported),
		errors.Is(err, mail.ErrSCRAMSHA1PLUSAuthNotSupported), errors.Is(err, mail.ErrSCRAMSHA256PLUSAuthNotSupported):
		return NoAuth, true
	}
	return "", false
}

// sendErrorReply recovers the server's reply from a SendError: the code
// from ErrorCode(), the text from Error() with go-mail's framing removed
// ("<reason>: 535 <text>, affected recipient(s): ..., affected message ID: ...").
func sendErrorReply(se *mail.SendError) (int, string, bool) {
	code := se.ErrorCode()
	text := se.Error()
	text = strings.TrimPrefix(text, se.Reason.String())
	text = strings.TrimPrefix(text, ":")
	if i := strings.Index(text, ", affected recipient(s): "); i >= 0 {
		text = text[:i]
	} else if i := strings.Index(text, ", affected message ID: "); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimSpace(text)
	if c, rest, ok := splitReplyCode(text); ok {
		if code == 0 {
			code = c
		}
		text = unquoteReply(rest)
	}
	if code < 400 || code > 599 {
		return 0, "", false
	}
	return code, text, true
}

// unquoteReply undoes the quoting of textproto.Error.Error(), which since
// Go 1.26 formats a reply as `535 "5.7.3 ..."` (%q); text after the closing
// quote (go-mail's ", <reset error>") is dropped. Unquoted text is returned
// as is.
func unquoteReply(s string) string {
	if !strings.HasPrefix(s, `"`) {
		return s
	}
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return s
	}
	u, err := strconv.Unquote(q)
	if err != nil {
		return s
	}
	return u
}

// splitReplyCode splits "535 5.7.3 text" into 535 and "5.7.3 text".
func splitReplyCode(s string) (int, string, bool) {
	if len(s) < 3 {
		return 0, "", false
	}
	c, err := strconv.Atoi(s[:3])
	if err != nil || c < 100 || c > 599 {
		return 0, "", false
	}
	if len(s) > 3 && s[3] != ' ' && s[3] != '-' {
		return 0, "", false
	}
	return c, strings.TrimSpace(s[min(len(s), 4):]), true
}

var (
	enhancedRe = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)
	sendAsRe   = regexp.MustCompile(`SendAsDenied;\s*(\S+?)\s+not allowed to send as\s+(\S+?)[;\s]`)
)

// Reply classifies one SMTP reply (e.g. 535, "5.7.139 Authentication
// unsuccessful, SmtpClientAuthentication is disabled for the Mailbox...");
// nil for a 2xx/3xx reply. text may carry the enhanced status code or not,
// and may start with the reply code again. Raw is "<code> <text>".
//
// Rules, first match wins (enhanced status code AND text, because relays
// reuse codes with other meanings):
//   - 5.7.139 by its text: Tenant, Mailbox, security defaults, criteria
//     (a 5.7.139 with another text is SMTPAuthFailed);
//   - 5.7.64 or TenantAttribution: RelayTenantAttribution;
//   - "relay access denied", "unable to relay", "relaying denied",
//     "not permitted to relay", 5.7.54: RelayDenied;
//   - 5.7.57, "not authenticated", "authentication required" or "must
//     issue a STARTTLS command first": SMTPNotAuthenticated;
//   - 5.7.4, "unrecognized authentication type", "authentication not
//     enabled" (the AUTH mechanism refused): NoAuth with a password login,
//     else NoXOAUTH2;
//   - 5.7.60: SMTPSendAsEnvelope; 5.2.252 or SendAsDenied: SMTPSendAsDenied;
//   - 432 or "thread limit": SMTPConcurrency;
//   - 4.7.66 or "TLS 1.0 and 1.1 are not supported": SMTPTLSVersion;
//   - "submission quota", "SubmissionQuotaExceeded", "daily limit", 5.1.90:
//     SMTPQuotaExceeded; "Message submission rate", "rate limit", "too many
//     messages": SMTPRateLimited;
//   - 5.7.30 or "Basic authentication is not supported": SMTPBasicAuthRemoved;
//     5.7.139 "basic authentication is disabled": SMTPBasicAuthDisabled;
//   - a 535 (or 5.7.8/5.7.3 auth failure): SMTPAuthFailed when the attempt
//     signed in with XOAUTH2 (Facts.OAuth: the token was refused, whatever
//     the text); RelayAuthFailed when it used a password (Facts.Username
//     set); otherwise SMTPAuthFailed when the text carries Exchange's 5.7.3,
//     and RelayAuthFailed for any other 535 (a non-Exchange server);
//   - any other 4xx/5xx: SMTPSignInRefused when it answered AUTH
//     (Facts.Stage), else SMTPRejected.
func Reply(code int, text string, f Facts) *Problem {
	if code < 400 {
		return nil
	}
	text = strings.TrimSpace(text)
	raw := strconv.Itoa(code) + " " + text
	if c, rest, ok := splitReplyCode(text); ok && c == code {
		raw, text = text, rest
	}
	lower := strings.ToLower(text)
	enh := ""
	if m := enhancedRe.FindString(text); m != "" {
		enh = m
	}
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(lower, strings.ToLower(s)) {
				return true
			}
		}
		return false
	}
	c := classifyReply(code, enh, has, f)
	if c == SMTPSendAsDenied || c == SMTPSendAsEnvelope {
		// The addresses the server names are the ones it refused: the
		// header From (5.2.252), not the envelope sender the caller knows.
		if m := sendAsRe.FindStringSubmatch(text + " "); m != nil {
			f.Mailbox, f.From = m[1], m[2]
		}
	}
	return New(c, f, raw, nil)
}

// classifyReply applies Reply's rules.
func classifyReply(code int, enh string, has func(...string) bool, f Facts) Code {
	switch {
	case enh == "5.7.30" || has("Basic authentication is not supported"):
		return SMTPBasicAuthRemoved
	case enh == "5.7.139" || has("SmtpClientAuthentication is disabled"):
		switch {
		case has("basic authentication is disabled"):
			return SMTPBasicAuthDisabled
		case has("disabled for the Tenant"):
			return SMTPAuthDisabledTenant
		case has("disabled for the Mailbox"):
			return SMTPAuthDisabledMailbox
		case has("security defaults"):
			return SMTPSecurityDefaults
		case has("did not meet the criteria"):
			return SMTPConditionalAccess
		}
		return SMTPAuthFailed
	case enh == "5.7.64" || has("TenantAttribution"):
		return RelayTenantAttribution
	case enh == "5.7.54" || has("relay access denied", "unable to relay", "relaying denied",
		"relay not permitted", "not permitted to relay", "relaying not allowed"):
		return RelayDenied
	case enh == "5.7.57" || has("not authenticated", "authentication required", "must issue a STARTTLS command first"):
		return SMTPNotAuthenticated
	case enh == "5.7.4" || has("unrecognized authentication type", "authentication not enabled"):
		// The server refused the AUTH mechanism itself.
		if f.Username != "" {
			return NoAuth
		}
		return NoXOAUTH2
	case enh == "5.7.60" || has("does not have permissions to send as this sender"):
		return SMTPSendAsEnvelope
	case enh == "5.2.252" || has("SendAsDenied"):
		return SMTPSendAsDenied
	case code == 432 || has("thread limit"):
		return SMTPConcurrency
	case enh == "4.7.66" || has("TLS 1.0 and 1.1 are not supported"):
		return SMTPTLSVersion
	case enh == "5.1.90" || has("submission quota", "SubmissionQuotaExceeded", "daily limit", "sending quota"):
		return SMTPQuotaExceeded
	case has("message submission rate", "rate limit", "too many messages", "messages per minute"):
		return SMTPRateLimited
	case code == 535 || enh == "5.7.8" || (enh == "5.7.3" && has("authentication")):
		switch {
		case f.OAuth:
			// After AUTH XOAUTH2 the only credential is the token.
			return SMTPAuthFailed
		case f.Username != "":
			return RelayAuthFailed
		case enh == "5.7.3":
			return SMTPAuthFailed
		}
		return RelayAuthFailed
	}
	if strings.EqualFold(f.Stage, "AUTH") {
		// An answer to AUTH refuses the sign-in, not the message.
		return SMTPSignInRefused
	}
	return SMTPRejected
}
