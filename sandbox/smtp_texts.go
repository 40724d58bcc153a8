package sandbox

// smtpTexts are a stand-in's replies to the protocol itself (sequence and
// syntax errors, acknowledgements); each is a whole reply line without
// CRLF. Policy replies (authentication, relaying, send-as, limits) live
// with each dialect. Where a text came from is noted by the dialect that
// fills the table.
type smtpTexts struct {
	senderOK, recipientOK, startData, reset, noop, quit string

	needHello, needMail, needRcpt, nestedMail, badSequence string
	unrecognized, tooLong, syntaxMail, syntaxRcpt          string
	ehloNeedsDomain, heloNeedsDomain                       string
	badSender, badRecipient, badSize                       string
	// unknownParam and badBody get the parameter as the client wrote it.
	unknownParam, badBody           func(param string) string
	sizeExceeded, tooManyRecipients string
	dataNeedsMail                   string // DATA before MAIL
	noRecipients                    string // DATA/BDAT LAST without an accepted RCPT

	startTLS, tlsActive, startTLSSyntax string

	authNotOffered, authAlready, authCancelled, authInTransaction string

	bdatSyntax   string
	bdatReceived func(octets int64) string

	timeout, tooManyErrors, localError string

	help []string // the 214 lines, or the single whole reply line
	vrfy func(arg string) string
	// etrn answers ETRN (RFC 1985); nil when the server does not know it.
	etrn func(c *session, arg string) string
}
