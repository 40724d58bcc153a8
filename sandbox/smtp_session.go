package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// session is one SMTP connection to a stand-in. It runs in one goroutine;
// only the dialect's shared state (limits, the message store) is locked.
type session struct {
	srv  *smtpServer
	d    smtpDialect
	raw  net.Conn // the TCP connection
	conn net.Conn // raw, or the TLS connection over it after STARTTLS
	r    *bufio.Reader
	w    *bufio.Writer

	remoteIP   net.IP
	tlsVersion uint16 // 0 until STARTTLS succeeded
	helloName  string // "" until HELO/EHLO
	errors     int

	// authUser is the mailbox (its UPN as the directory spells it) the
	// client authenticated as; authSeq orders authenticated sessions for
	// Exchange's concurrent-connection limit.
	authUser string
	authSeq  uint64

	tx transaction

	finishOnce sync.Once
}

// transaction is the state between MAIL and the end of the message.
type transaction struct {
	active  bool
	from    string
	utf8    bool // MAIL ... SMTPUTF8
	binary  bool // MAIL ... BODY=BINARYMIME: only BDAT may carry the body
	rcpts   []string
	bdat    bytes.Buffer
	bdatOn  bool // a BDAT chunk was received
	bdatBig bool // the chunks so far exceed the size limit
}

func (c *session) t() *smtpTexts { return c.d.texts() }

// serve runs the conversation until QUIT, a fatal reply, a timeout or the
// client going away.
func (c *session) serve() {
	defer c.finish()
	if !c.send(c.d.greeting(c.srv.s.now())) {
		return
	}
	for {
		_ = c.conn.SetReadDeadline(c.srv.idle())
		line, err := readLine(c.r, maxCommandLine)
		switch {
		case errors.Is(err, errLineTooLong):
			if !c.fail(c.t().tooLong) {
				return
			}
			continue
		case isTimeout(err):
			c.send(c.t().timeout)
			return
		case err != nil:
			return
		}
		if !c.handle(line) {
			return
		}
	}
}

// finish tells the dialect once that the session is over.
func (c *session) finish() { c.finishOnce.Do(func() { c.d.closed(c) }) }

// handle runs one command; false ends the session.
func (c *session) handle(line string) bool {
	t := c.t()
	cmd := parseCommand(line)
	switch cmd.Verb {
	case "EHLO", "HELO":
		return c.cmdHello(cmd)
	case "STARTTLS":
		return c.cmdStartTLS(cmd)
	case "AUTH":
		return c.cmdAuth(cmd)
	case "MAIL":
		return c.cmdMail(cmd)
	case "RCPT":
		return c.cmdRcpt(cmd)
	case "DATA":
		return c.cmdData()
	case "BDAT":
		if c.d.caps().chunking {
			return c.cmdBDAT(cmd)
		}
	case "RSET":
		c.resetTx()
		return c.send(t.reset)
	case "NOOP":
		return c.send(t.noop)
	case "QUIT":
		// Release the session's slot before answering, so a client that
		// reads 221 and reconnects at once never meets its own old session.
		c.finish()
		c.send(t.quit)
		return false
	case "ETRN":
		if t.etrn != nil {
			return c.send(t.etrn(c, cmd.Arg))
		}
	case "HELP":
		if len(t.help) == 1 {
			return c.send(t.help[0])
		}
		return c.sendLines("214", t.help)
	case "VRFY":
		return c.send(t.vrfy(cmd.Arg))
	}
	return c.fail(t.unrecognized)
}

func (c *session) cmdHello(cmd smtpCommand) bool {
	t := c.t()
	ehlo := cmd.Verb == "EHLO"
	name, _, _ := strings.Cut(cmd.Arg, " ")
	if name == "" {
		if ehlo {
			return c.fail(t.ehloNeedsDomain)
		}
		return c.fail(t.heloNeedsDomain)
	}
	c.resetTx() // RFC 5321 4.1.4: EHLO/HELO clear the transaction
	c.helloName = name
	if ehlo {
		return c.sendLines("250", c.d.ehlo(c, name))
	}
	return c.send("250 " + c.d.helo(c, name))
}

func (c *session) cmdStartTLS(cmd smtpCommand) bool {
	t := c.t()
	switch {
	case c.tlsVersion != 0:
		return c.fail(t.tlsActive)
	case cmd.Arg != "":
		return c.fail(t.startTLSSyntax)
	case c.d.helloRequired() && c.helloName == "":
		return c.fail(t.needHello)
	}
	if !c.send(t.startTLS) {
		return false
	}
	if c.r.Buffered() > 0 {
		// Plain-text commands pipelined behind STARTTLS would be taken as
		// sent under TLS (the CVE-2011-0411 injection); hang up instead.
		return false
	}
	tc := tls.Server(c.raw, c.d.tlsConfig())
	_ = tc.SetDeadline(c.srv.idle())
	if err := tc.Handshake(); err != nil {
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	c.conn, c.r, c.w = tc, bufio.NewReader(tc), bufio.NewWriter(tc)
	c.tlsVersion = tc.ConnectionState().Version
	// RFC 3207 4.2: forget everything learnt before TLS; EHLO comes again.
	c.helloName = ""
	c.resetTx()
	return true
}

func (c *session) cmdAuth(cmd smtpCommand) bool {
	t := c.t()
	switch {
	case c.d.helloRequired() && c.helloName == "":
		return c.fail(t.needHello)
	case c.authUser != "":
		return c.fail(t.authAlready)
	case c.tx.active:
		return c.fail(t.authInTransaction)
	}
	mech, initial, _ := strings.Cut(cmd.Arg, " ")
	return c.d.auth(c, strings.ToUpper(mech), strings.TrimSpace(initial))
}

func (c *session) cmdMail(cmd smtpCommand) bool {
	t, caps := c.t(), c.d.caps()
	switch {
	case c.d.helloRequired() && c.helloName == "":
		return c.fail(t.needHello)
	case c.tx.active:
		return c.fail(t.nestedMail)
	}
	from, params, err := parsePath(cmd.Arg, "FROM")
	if errors.Is(err, errAddressSyntax) {
		return c.fail(t.badSender)
	}
	if err != nil {
		return c.fail(t.syntaxMail)
	}
	var tx transaction
	for _, p := range params {
		switch {
		case p.Key == "SIZE" && p.HasEq:
			n, err := strconv.ParseInt(p.Value, 10, 64)
			if err != nil || n < 0 {
				return c.fail(t.badSize)
			}
			if n > caps.size {
				return c.fail(t.sizeExceeded)
			}
		case p.Key == "BODY" && p.HasEq:
			switch strings.ToUpper(p.Value) {
			case "7BIT", "8BITMIME":
			case "BINARYMIME":
				if !caps.binaryMIME {
					return c.fail(t.badBody(p.Raw))
				}
				tx.binary = true
			default:
				return c.fail(t.badBody(p.Raw))
			}
		case p.Key == "SMTPUTF8" && !p.HasEq && caps.smtpUTF8:
			tx.utf8 = true
		case p.Key == "RET" && p.HasEq && caps.dsn && (strings.EqualFold(p.Value, "FULL") || strings.EqualFold(p.Value, "HDRS")):
		case p.Key == "ENVID" && p.HasEq && caps.dsn:
		case p.Key == "AUTH" && p.HasEq: // RFC 4954 5: the submitter's identity, informational
		default:
			return c.fail(t.unknownParam(p.Raw))
		}
	}
	if from != "" && validateAddress(from, tx.utf8) != nil {
		return c.fail(t.badSender)
	}
	reply, ok, closeConn := c.d.mail(c, from)
	switch {
	case closeConn:
		c.send(reply)
		return false
	case !ok:
		return c.fail(reply)
	}
	tx.active, tx.from = true, from
	c.tx = tx
	return c.send(reply)
}

func (c *session) cmdRcpt(cmd smtpCommand) bool {
	t, caps := c.t(), c.d.caps()
	switch {
	case c.d.helloRequired() && c.helloName == "":
		return c.fail(t.needHello)
	case !c.tx.active:
		return c.fail(t.needMail)
	}
	to, params, err := parsePath(cmd.Arg, "TO")
	if errors.Is(err, errAddressSyntax) {
		return c.fail(t.badRecipient)
	}
	if err != nil {
		return c.fail(t.syntaxRcpt)
	}
	for _, p := range params {
		switch {
		case p.Key == "NOTIFY" && p.HasEq && caps.dsn && validNotify(p.Value):
		case p.Key == "ORCPT" && p.HasEq && caps.dsn:
		default:
			return c.fail(t.unknownParam(p.Raw))
		}
	}
	// "<Postmaster>" without a domain is a valid recipient (RFC 5321 4.1.1.3).
	if !strings.EqualFold(to, "postmaster") && validateAddress(to, c.tx.utf8) != nil {
		return c.fail(t.badRecipient)
	}
	if len(c.tx.rcpts) >= caps.maxRcpts {
		return c.fail(t.tooManyRecipients)
	}
	reply, ok := c.d.rcpt(c, to)
	if !ok {
		return c.fail(reply)
	}
	c.tx.rcpts = append(c.tx.rcpts, to)
	return c.send(reply)
}

// validNotify checks NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1).
func validNotify(v string) bool {
	parts := strings.Split(strings.ToUpper(v), ",")
	if len(parts) == 1 && parts[0] == "NEVER" {
		return true
	}
	for _, p := range parts {
		if p != "SUCCESS" && p != "FAILURE" && p != "DELAY" {
			return false
		}
	}
	return true
}

func (c *session) cmdData() bool {
	t := c.t()
	switch {
	case c.d.helloRequired() && c.helloName == "":
		return c.fail(t.needHello)
	case !c.tx.active:
		return c.fail(t.dataNeedsMail)
	case len(c.tx.rcpts) == 0:
		return c.fail(t.noRecipients)
	case c.tx.binary || c.tx.bdatOn:
		// RFC 3030 3: a BINARYMIME body, or one begun with BDAT, can only go by BDAT.
		return c.fail(t.badSequence)
	}
	if !c.send(t.startData) {
		return false
	}
	_ = c.conn.SetReadDeadline(c.srv.idle())
	data, over, err := readData(c.r, c.d.caps().size)
	if err != nil {
		if isTimeout(err) {
			c.send(t.timeout)
		}
		return false
	}
	if over {
		c.resetTx()
		return c.send(t.sizeExceeded)
	}
	return c.finishMessage(data)
}

func (c *session) cmdBDAT(cmd smtpCommand) bool {
	t := c.t()
	size, last, err := bdatArgs(cmd.Arg)
	if err != nil {
		return c.fail(t.bdatSyntax)
	}
	// The chunk's octets follow the command whatever the answer is, so
	// they are read first and the answer decided after.
	refuse := ""
	switch {
	case c.d.helloRequired() && c.helloName == "":
		refuse = t.needHello
	case !c.tx.active:
		refuse = t.needMail
	case len(c.tx.rcpts) == 0:
		refuse = t.noRecipients
	}
	_ = c.conn.SetReadDeadline(c.srv.idle())
	if refuse != "" {
		if _, err := io.CopyN(io.Discard, c.r, size); err != nil {
			return false
		}
		return c.fail(refuse)
	}
	over, err := readChunk(c.r, &c.tx.bdat, size, c.d.caps().size)
	if err != nil {
		if isTimeout(err) {
			c.send(t.timeout)
		}
		return false
	}
	c.tx.bdatOn = true
	c.tx.bdatBig = c.tx.bdatBig || over
	if !last {
		return c.send(t.bdatReceived(size))
	}
	if c.tx.bdatBig {
		c.resetTx()
		return c.send(t.sizeExceeded)
	}
	return c.finishMessage(bytes.Clone(c.tx.bdat.Bytes()))
}

// finishMessage lets the dialect decide on a complete message and ends
// the transaction whatever the decision.
func (c *session) finishMessage(data []byte) bool {
	reply, closeConn := c.d.deliver(c, data)
	c.resetTx()
	if !c.send(reply) {
		return false
	}
	return !closeConn
}

func (c *session) resetTx() { c.tx = transaction{} }

// fail sends a refusal and counts it. A 421 or 521 reply closes the
// connection (RFC 5321 3.8, RFC 7504); after caps.maxErrors refusals the
// server gives up on the client, as Exchange and Postfix do.
func (c *session) fail(reply string) bool {
	c.errors++
	if !c.send(reply) {
		return false
	}
	if strings.HasPrefix(reply, "421 ") || strings.HasPrefix(reply, "521 ") {
		return false
	}
	if c.errors >= c.d.caps().maxErrors {
		c.send(c.t().tooManyErrors)
		return false
	}
	return true
}

// send writes one reply line.
func (c *session) send(line string) bool {
	_ = c.conn.SetWriteDeadline(time.Now().Add(smtpWriteTimeout))
	c.w.WriteString(line)
	c.w.WriteString("\r\n")
	return c.w.Flush() == nil
}

// sendLines writes a multi-line reply: "code-text" for all lines but the
// last, which is "code text" (RFC 5321 4.2.1).
func (c *session) sendLines(code string, lines []string) bool {
	_ = c.conn.SetWriteDeadline(time.Now().Add(smtpWriteTimeout))
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		c.w.WriteString(code + sep + l + "\r\n")
	}
	return c.w.Flush() == nil
}

// saslResponse reads the client's line of a SASL exchange (after a 334).
// An over-long line reads as an empty, hence failing, response; on a
// timeout it says so; false means the session is over.
func (c *session) saslResponse() (string, bool) {
	_ = c.conn.SetReadDeadline(c.srv.idle())
	line, err := readLine(c.r, maxSASLResponse)
	if errors.Is(err, errLineTooLong) {
		return "", true
	}
	if err != nil {
		if isTimeout(err) {
			c.send(c.t().timeout)
		}
		return "", false
	}
	return line, true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
