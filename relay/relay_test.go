package relay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/queue"
)

// testRelay is a relay on 127.0.0.1 with its own spool, and its log.
type testRelay struct {
	*Relay
	spool *queue.Spool
	logs  *syncBuffer
	addr  string
}

type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

// startRelay starts a relay with opts adjusted by edit, serving until the
// test ends.
func startRelay(t testing.TB, edit func(*Options)) *testRelay {
	t.Helper()
	sp, err := queue.Open(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	logs := newSyncBuffer()
	o := Options{Listen: "127.0.0.1:0", Spool: sp, Hostname: "relay.test",
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if edit != nil {
		edit(&o)
	}
	if o.Spool != sp {
		sp = o.Spool
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- r.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testRelay{Relay: r, spool: sp, logs: logs, addr: r.Addr().String()}
}

// queued returns the messages in the spool: envelope and raw text.
func (tr *testRelay) queued(t testing.TB) []queuedMsg {
	t.Helper()
	items, err := tr.spool.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []queuedMsg
	for _, it := range items {
		b, err := tr.spool.Message(it.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, queuedMsg{it.Envelope, string(b)})
	}
	return out
}

type queuedMsg struct {
	env  queue.Envelope
	text string
}

// client is a raw SMTP client: it writes lines and reads whole replies.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dial connects to addr from the loopback address from ("" for any).
func dial(t testing.TB, addr, from string) *client {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

// reply reads one (possibly multi-line) reply.
func (c *client) reply() string {
	c.t.Helper()
	var all []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			all = append(all, "ERR "+err.Error())
			return strings.Join(all, "\n")
		}
		line = strings.TrimRight(line, "\r\n")
		all = append(all, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(all, "\n")
		}
	}
}

// cmd sends a line and returns the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatal(err)
	}
	return c.reply()
}

// send runs one transaction with the raw message text (dot-stuffing and
// the final dot added here) and returns the reply to the data.
func (c *client) send(from string, to []string, text string) string {
	c.t.Helper()
	if r := c.cmd("MAIL FROM:<" + from + ">"); !strings.HasPrefix(r, "250") {
		return r
	}
	for _, a := range to {
		if r := c.cmd("RCPT TO:<" + a + ">"); !strings.HasPrefix(r, "250") {
			return r
		}
	}
	if r := c.cmd("DATA"); !strings.HasPrefix(r, "354") {
		return r
	}
	body := strings.ReplaceAll("\n"+text, "\n.", "\n..")[1:]
	if body != "" && !strings.HasSuffix(body, "\r\n") {
		body += "\r\n"
	}
	if _, err := io.WriteString(c.conn, body+".\r\n"); err != nil {
		c.t.Fatalf("%v; reply %s", err, c.reply())
	}
	return c.reply()
}

func expectReply(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("reply %q, want %q", got, want)
	}
}

const simple = "From: app@contoso.example\r\nTo: ops@contoso.example\r\nSubject: hi\r\nDate: Sat, 05 Dec 2026 21:00:00 +0000\r\nMessage-ID: <1@app>\r\n\r\nHello.\r\n"

// python runs a Python 3 script (smtplib: a client nobody here wrote) with
// args, and returns its output; it fails the test when the script fails.
func python(t *testing.T, script string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed; CI installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{"-c", script}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return string(out)
}

// TestSmtplib: Python's smtplib sends through the relay; the message is in
// the queue with its envelope before the 250, which names its queue ID.
func TestSmtplib(t *testing.T) {
	tr := startRelay(t, nil)
	host, port, _ := net.SplitHostPort(tr.addr)
	out := python(t, `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=30)
code, _ = s.ehlo("app.example")
print("SIZE", s.esmtp_features.get("size"))
print("8BITMIME", s.has_extn("8bitmime"))
print("AUTH", s.has_extn("auth"))
msg = "From: app@contoso.example\r\nTo: a@contoso.example\r\nSubject: smtplib\r\n\r\nline one\r\n.starts with a dot\r\n"
s.mail("app@contoso.example")
s.rcpt("a@contoso.example")
s.rcpt("b@fabrikam.example")
code, resp = s.data(msg)
print("DATA", code, resp.decode())
s.quit()
`, host, port)
	for _, w := range []string{fmt.Sprintf("SIZE %d", queue.MaxMessageBytes), "8BITMIME True", "AUTH False", "DATA 250 2.0.0 OK: queued as "} {
		if !strings.Contains(out, w) {
			t.Errorf("smtplib output lacks %q:\n%s", w, out)
		}
	}
	msgs := tr.queued(t)
	if len(msgs) != 1 {
		t.Fatalf("%d messages queued, want 1", len(msgs))
	}
	m := msgs[0]
	if !strings.Contains(out, "queued as "+itemIDs(t, tr)[0]) {
		t.Errorf("the 250 does not name the queue ID %s:\n%s", itemIDs(t, tr)[0], out)
	}
	if m.env.From != "app@contoso.example" || strings.Join(m.env.To, ",") != "a@contoso.example,b@fabrikam.example" ||
		!strings.HasPrefix(m.env.Source, "relay 127.0.0.1:") {
		t.Errorf("envelope %+v", m.env)
	}
	if !strings.Contains(m.text, "\r\n.starts with a dot\r\n") || !strings.Contains(m.text, "Subject: smtplib\r\n") {
		t.Errorf("queued text:\n%q", m.text)
	}
	// Date and Message-ID were missing: added.
	if !strings.Contains(m.text, "\r\nDate: ") || !strings.Contains(m.text, "\r\nMessage-ID: <") {
		t.Errorf("Date/Message-ID not added:\n%q", m.text)
	}
}

func itemIDs(t *testing.T, tr *testRelay) []string {
	items, err := tr.spool.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// TestNetSMTP: Go's net/smtp client (another peer) through the relay.
func TestNetSMTP(t *testing.T) {
	tr := startRelay(t, nil)
	if err := smtp.SendMail(tr.addr, nil, "app@contoso.example", []string{"ops@contoso.example"}, []byte(simple)); err != nil {
		t.Fatal(err)
	}
	msgs := tr.queued(t)
	if len(msgs) != 1 || msgs[0].text != simple {
		t.Fatalf("queued %d messages: %+v", len(msgs), msgs)
	}
}

// TestTooBig: SIZE is Exchange Online's 35 MB; a 36 MB message is refused
// with 552 5.3.4 at MAIL (SIZE=) and at the end of DATA (no SIZE=), and
// nothing is queued; the session goes on.
func TestTooBig(t *testing.T) {
	tr := startRelay(t, nil)
	host, port, _ := net.SplitHostPort(tr.addr)
	// smtplib announces SIZE= in MAIL when the server has SIZE.
	out := python(t, `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=60)
msg = "Subject: big\r\n\r\n" + ("x" * 998 + "\r\n") * (36 * 1024)
try:
    s.sendmail("app@contoso.example", ["a@contoso.example"], msg)
    print("ACCEPTED")
except smtplib.SMTPSenderRefused as e:
    print("REFUSED", e.smtp_code, e.smtp_error.decode())
`, host, port)
	if !strings.Contains(out, "REFUSED 552 5.3.4") {
		t.Errorf("smtplib with SIZE=: %s", out)
	}

	c := dial(t, tr.addr, "")
	c.reply()
	ehlo := c.cmd("EHLO app.example")
	expectReply(t, ehlo, fmt.Sprintf("SIZE %d", queue.MaxMessageBytes))
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("y", 998)+"\r\n", 36*1024)
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, big), "552 5.3.4 Message size exceeds fixed maximum message size")
	// One byte under the limit still goes (with From, Date and Message-ID,
	// nothing is added). go-smtp refuses a message of exactly the limit:
	// its data reader reports "too large" when the count reaches it.
	hdr := "Subject: fits\r\nFrom: app@contoso.example\r\nDate: x\r\nMessage-ID: <2@app>\r\n\r\n"
	rem := queue.MaxMessageBytes - 1 - len(hdr)
	fit := hdr + strings.Repeat(strings.Repeat("z", 998)+"\r\n", rem/1000) + strings.Repeat("z", rem%1000-2) + "\r\n"
	if len(fit) != queue.MaxMessageBytes-1 {
		t.Fatalf("test message is %d bytes", len(fit))
	}
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, fit), "250 2.0.0")
	if n := len(tr.queued(t)); n != 1 {
		t.Errorf("%d messages queued, want only the one that fits", n)
	}
}

// TestTooManyRecipients: the 501st recipient is refused with 452 4.5.3;
// the first 500 go in one message (smtplib's sendmail sends it).
func TestTooManyRecipients(t *testing.T) {
	tr := startRelay(t, nil)
	host, port, _ := net.SplitHostPort(tr.addr)
	out := python(t, `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=60)
rcpts = ["u%d@contoso.example" % i for i in range(501)]
refused = s.sendmail("app@contoso.example", rcpts, "Subject: many\r\n\r\nhi\r\n")
for a, (code, text) in refused.items():
    print("REFUSED", a, code, text.decode())
s.quit()
`, host, port)
	if !strings.Contains(out, "REFUSED u500@contoso.example 452 4.5.3 Too many recipients") || strings.Count(out, "REFUSED") != 1 {
		t.Errorf("smtplib: %s", out)
	}
	msgs := tr.queued(t)
	if len(msgs) != 1 || len(msgs[0].env.To) != queue.MaxRecipients {
		t.Fatalf("queued %d messages; smtplib said %s; log:\n%s", len(msgs), out, tr.logs)
	}
}

// TestDiskFull: when the spool's disk is full, DATA is answered 452 4.3.1,
// nothing torn is left, and the messages acknowledged before are intact.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2M,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a 2 MB tmpfs to fill (needs root; run as root to test a full disk): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	sp, err := queue.Open(filepath.Join(mnt, "spool"))
	if err != nil {
		t.Fatal(err)
	}
	tr := startRelay(t, func(o *Options) { o.Spool = sp })
	c := dial(t, tr.addr, "")
	c.reply()
	c.cmd("EHLO app.example")
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, simple), "250 2.0.0")
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("b", 998)+"\r\n", 3*1024)
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, big), "452 4.3.1 Insufficient system storage")
	// The session goes on; a small message still fits.
	expectReply(t, c.send("app@contoso.example", []string{"b@contoso.example"}, simple), "250 2.0.0")
	msgs := tr.queued(t)
	if len(msgs) != 2 || msgs[0].text != simple || msgs[1].text != simple {
		t.Fatalf("after a full disk the queue holds %d messages: %+v", len(msgs), msgs)
	}
	if left, _ := os.ReadDir(filepath.Join(mnt, "spool", "tmp")); len(left) != 0 {
		t.Errorf("a torn file is left in tmp/: %v", left)
	}
}

// TestAllowList: a client outside the allowed networks is refused with 554
// at connect; one inside is greeted. (127.0.0.2 is loopback too: the test
// allows 127.0.0.1 only.)
func TestAllowList(t *testing.T) {
	tr := startRelay(t, func(o *Options) { o.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	out := dial(t, tr.addr, "127.0.0.2")
	greet := out.reply()
	expectReply(t, greet, "554 5.7.1")
	if r := out.cmd("EHLO x"); !strings.Contains(r, "ERR") {
		t.Errorf("the refused connection stays open: %q", r)
	}
	in := dial(t, tr.addr, "127.0.0.1")
	expectReply(t, in.reply(), "220 relay.test ESMTP")
	in.cmd("EHLO app.example")
	expectReply(t, in.send("app@contoso.example", []string{"a@contoso.example"}, simple), "250 2.0.0")
	if !strings.Contains(tr.logs.String(), "client not in the allowed networks") {
		t.Errorf("the refusal is not logged:\n%s", tr.logs)
	}
}

func TestParseAllowAndCheckListen(t *testing.T) {
	ok := []struct{ in, want string }{
		{"10.1.2.0/24", "10.1.2.0/24"},
		{"10.1.2.3", "10.1.2.3/32"},
		{" 10.1.2.7/24 , 2001:db8::/48", "10.1.2.0/24,2001:db8::/48"},
		{"::ffff:10.0.0.1", "10.0.0.1/32"},
	}
	for _, tt := range ok {
		p, err := ParseAllow(tt.in)
		if err != nil || prefixesText(p) != tt.want {
			t.Errorf("ParseAllow(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	for _, bad := range []string{"0.0.0.0/0", "::/0", "10.0.0.0/7", "0.0.0.0/1,128.0.0.0/1", "10.1.2.0/33", "nonsense", "2001::/15"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
	lan := []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24")}
	listens := []struct {
		listen string
		allow  []netip.Prefix
		ok     bool
	}{
		{"127.0.0.1:2525", nil, true},
		{"[::1]:2525", nil, true},
		{"localhost:2525", nil, true},
		{"0.0.0.0:2525", nil, false},
		{":2525", nil, false},
		{"10.1.2.5:2525", nil, false},
		{"0.0.0.0:2525", lan, true},
		{"nonsense", nil, false},
	}
	for _, tt := range listens {
		err := CheckListen(tt.listen, tt.allow)
		if (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, %v) = %v", tt.listen, tt.allow, err)
		}
		if err != nil && tt.listen == "0.0.0.0:2525" && !strings.Contains(err.Error(), "--allow") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
	}
	// New applies the same rule.
	sp, _ := queue.Open(filepath.Join(t.TempDir(), "spool"))
	if _, err := New(Options{Listen: "0.0.0.0:0", Spool: sp}); err == nil || !strings.Contains(err.Error(), "never an open relay") {
		t.Errorf("New listened on every address without --allow: %v", err)
	}
}

// TestMalformed: what the relay accepts and how, and what it refuses, with
// nothing queued for a refusal.
func TestMalformed(t *testing.T) {
	tr := startRelay(t, func(o *Options) {})
	tr.SetDefaults("PIM Alerts", "pim@contoso.example")
	tests := []struct {
		name, text, reply string
		queued            func(string) bool
	}{
		{"bare LF", "Subject: lf\nDate: x\nMessage-ID: <a@b>\nFrom: a@b.example\n\nline\n.\nlast\r\n", "250 2.0.0",
			func(s string) bool {
				// The "\n.\n" did not end the message; every LF is a CRLF.
				return s == "Subject: lf\r\nDate: x\r\nMessage-ID: <a@b>\r\nFrom: a@b.example\r\n\r\nline\r\n.\r\nlast\r\n"
			}},
		{"no separator", "Subject: nosep\r\nDate: x\r\nMessage-ID: <a@b>\r\nFrom: a@b.example\r\nthis is the body\r\n", "250 2.0.0",
			func(s string) bool { return strings.HasSuffix(s, "From: a@b.example\r\n\r\nthis is the body\r\n") }},
		{"8-bit without 8BITMIME", "Subject: Grüße\r\nDate: x\r\nMessage-ID: <a@b>\r\nFrom: a@b.example\r\n\r\nÄrger \xff\r\n", "250 2.0.0",
			func(s string) bool {
				return strings.Contains(s, "Subject: Grüße\r\n") && strings.Contains(s, "Ärger \xff\r\n")
			}},
		{"only a body", "just text\r\n", "250 2.0.0",
			func(s string) bool {
				// From: the envelope sender, with the configured name.
				return strings.Contains(s, "From: \"PIM Alerts\" <app@contoso.example>\r\n") && strings.Contains(s, "@contoso.example>\r\n") &&
					strings.HasSuffix(s, "\r\n\r\njust text\r\n")
			}},
		{"NUL in a header", "Subject: nul\x00here\r\n\r\nbody\r\n", "554 5.6.0 Message header contains a NUL byte", nil},
		{"NUL in the body", "Subject: nul\r\n\r\nbo\x00dy\r\n", "554 5.6.0 Message body contains a NUL byte", nil},
	}
	c := dial(t, tr.addr, "")
	c.reply()
	c.cmd("EHLO app.example")
	for _, tt := range tests {
		before := len(tr.queued(t))
		got := c.send("app@contoso.example", []string{"a@contoso.example"}, tt.text)
		if !strings.Contains(got, tt.reply) {
			t.Errorf("%s: reply %q, want %q", tt.name, got, tt.reply)
			continue
		}
		msgs := tr.queued(t)
		if tt.queued == nil {
			if len(msgs) != before {
				t.Errorf("%s: refused but queued", tt.name)
			}
			continue
		}
		if len(msgs) != before+1 || !tt.queued(msgs[len(msgs)-1].text) {
			t.Errorf("%s: queued %q", tt.name, msgs[len(msgs)-1].text)
		}
	}
	// Addresses: user@domain (go-smtp's parser refuses most), and no
	// quoted local part with spaces (go-smtp drops the quotes, so what
	// would be passed on is no address).
	expectReply(t, c.cmd("MAIL FROM:<nodomain>"), "501")
	expectReply(t, c.cmd(`MAIL FROM:<"x y"@contoso.example>`), "501 5.1.7")
	expectReply(t, c.cmd("MAIL FROM:<>"), "250")
	expectReply(t, c.cmd("RCPT TO:<postmaster>"), "501")
	expectReply(t, c.cmd(`RCPT TO:<"a b"@contoso.example>`), "501 5.1.3")
	c.cmd("RSET")
	// An empty message.
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, ""), "554 5.6.0 Empty message")
	// No envelope sender and no From: the configured default From.
	expectReply(t, c.send("", []string{"a@contoso.example"}, "Subject: bounce\r\n\r\nx\r\n"), "250 2.0.0")
	if msgs := tr.queued(t); !strings.Contains(msgs[len(msgs)-1].text, "From: \"PIM Alerts\" <pim@contoso.example>\r\n") {
		t.Errorf("null sender without From: %q", msgs[len(msgs)-1].text)
	}
}

// selfSigned is a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"relay.test"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, caFile
}

// TestAuth: AUTH PLAIN and LOGIN with a local user, offered to a client on
// this server without TLS, and to a client of another network only after
// STARTTLS (538 before). smtplib logs in as a legacy application would.
func TestAuth(t *testing.T) {
	users := filepath.Join(t.TempDir(), "relay-users")
	if err := SetPassword(users, "legacyapp", []byte("correct horse battery")); err != nil {
		t.Fatal(err)
	}
	cert, caFile := selfSigned(t)
	tr := startRelay(t, func(o *Options) {
		o.UsersPath = users
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		// 127.0.0.2 stands for a client on another host.
		o.Local = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	host, port, _ := net.SplitHostPort(tr.addr)
	script := `
import smtplib, ssl, sys
host, port, src, pw, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = smtplib.SMTP(host, port, timeout=30, source_address=(src, 0))
s.ehlo("app.example")
if tls == "tls":
    ctx = ssl.create_default_context(cafile=sys.argv[6])
    s.starttls(context=ctx)
    s.ehlo("app.example")
print("AUTHCAP", s.esmtp_features.get("auth"))
for mech in ("PLAIN", "LOGIN"):
    try:
        s.user, s.password = "legacyapp", pw
        code, resp = s.auth(mech, getattr(s, "auth_" + mech.lower()), initial_response_ok=(mech == "PLAIN"))
        print("AUTH", mech, code)
        break
    except smtplib.SMTPAuthenticationError as e:
        print("AUTHFAIL", mech, e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPNotSupportedError as e:
        print("NOTSUPPORTED", mech)
s.quit()
`
	// On this server, no TLS: offered, and the right password works.
	out := python(t, script, host, port, "127.0.0.1", "correct horse battery", "plain")
	if !strings.Contains(out, "PLAIN LOGIN") || !strings.Contains(out, "AUTH PLAIN 235") {
		t.Errorf("loopback client:\n%s", out)
	}
	// A wrong password: 535, for both mechanisms.
	out = python(t, script, host, port, "127.0.0.1", "wrong password!", "plain")
	if !strings.Contains(out, "AUTHFAIL PLAIN 535 5.7.8") || !strings.Contains(out, "AUTHFAIL LOGIN 535 5.7.8") {
		t.Errorf("wrong password:\n%s", out)
	}
	// Another network without TLS: not offered, and refused when tried.
	out = python(t, script, host, port, "127.0.0.2", "correct horse battery", "plain")
	if !strings.Contains(out, "AUTHCAP None") {
		t.Errorf("AUTH offered in clear to another network:\n%s", out)
	}
	c := dial(t, tr.addr, "127.0.0.2")
	c.reply()
	c.cmd("EHLO app.example")
	expectReply(t, c.cmd("AUTH PLAIN AGxlZ2FjeWFwcABjb3JyZWN0IGhvcnNlIGJhdHRlcnk="), "538 5.7.11")
	// After STARTTLS it is offered and LOGIN works too.
	out = python(t, script, host, port, "127.0.0.2", "correct horse battery", "tls", caFile)
	if !strings.Contains(out, "PLAIN LOGIN") || !strings.Contains(out, "AUTH PLAIN 235") {
		t.Errorf("over STARTTLS:\n%s", out)
	}
	c = dial(t, tr.addr, "127.0.0.1")
	c.reply()
	c.cmd("EHLO app.example")
	c.cmd("AUTH LOGIN")
	c.cmd("bGVnYWN5YXBw")
	expectReply(t, c.cmd("Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"), "235")
	expectReply(t, c.send("app@contoso.example", []string{"a@contoso.example"}, simple), "250 2.0.0")
	if m := tr.queued(t); len(m) != 1 || !strings.HasSuffix(m[0].env.Source, " user legacyapp") {
		t.Errorf("queued %+v", m)
	}
	// Three failed logins end the session.
	c = dial(t, tr.addr, "127.0.0.1")
	c.reply()
	c.cmd("EHLO app.example")
	bad := "AUTH PLAIN AGxlZ2FjeWFwcAB3cm9uZw=="
	expectReply(t, c.cmd(bad), "535 5.7.8")
	expectReply(t, c.cmd(bad), "535 5.7.8")
	expectReply(t, c.cmd(bad), "421 4.7.0 Too many failed logins")
	if r := c.reply(); !strings.Contains(r, "ERR") && !strings.HasPrefix(r, "421") {
		t.Errorf("the session goes on after three failed logins: %q", r)
	}
	if r := c.cmd("NOOP"); !strings.Contains(r, "ERR") {
		t.Errorf("the session goes on after three failed logins: %q", r)
	}
	if strings.Contains(tr.logs.String(), "correct horse") || strings.Contains(tr.logs.String(), "wrong password") {
		t.Errorf("a password is in the log:\n%s", tr.logs)
	}
	b, _ := os.ReadFile(users)
	if strings.Contains(string(b), "correct horse") || !strings.Contains(string(b), "legacyapp:$2") {
		t.Errorf("users file holds %q", b)
	}
}

// TestRequireAuth: with RequireAuth, MAIL before AUTH is refused.
func TestRequireAuth(t *testing.T) {
	users := filepath.Join(t.TempDir(), "relay-users")
	if err := SetPassword(users, "app", []byte("password-1")); err != nil {
		t.Fatal(err)
	}
	tr := startRelay(t, func(o *Options) { o.UsersPath = users; o.RequireAuth = true })
	c := dial(t, tr.addr, "")
	c.reply()
	c.cmd("EHLO app.example")
	expectReply(t, c.cmd("MAIL FROM:<app@contoso.example>"), "530 5.7.0 Authentication required")
	expectReply(t, c.cmd("AUTH PLAIN AGFwcABwYXNzd29yZC0x"), "235")
	expectReply(t, c.cmd("MAIL FROM:<app@contoso.example>"), "250")
}

// TestShutdownDrains: Shutdown lets a DATA in flight finish with its 250
// (the message queued), refuses new connections, and says 421 to an idle
// session.
func TestShutdownDrains(t *testing.T) {
	tr := startRelay(t, nil)
	busy := dial(t, tr.addr, "")
	busy.reply()
	busy.cmd("EHLO app.example")
	expectReply(t, busy.cmd("MAIL FROM:<app@contoso.example>"), "250")
	expectReply(t, busy.cmd("RCPT TO:<a@contoso.example>"), "250")
	expectReply(t, busy.cmd("DATA"), "354")
	if _, err := io.WriteString(busy.conn, "Subject: in flight\r\n\r\nfirst half\r\n"); err != nil {
		t.Fatal(err)
	}
	idle := dial(t, tr.addr, "")
	idle.reply()
	idle.cmd("EHLO idle.example")

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- tr.Shutdown(ctx)
	}()
	// The idle session is told and closed.
	expectReply(t, idle.reply(), "421 4.3.2")
	// No new connections.
	if c, err := net.DialTimeout("tcp", tr.addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a transaction in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := io.WriteString(busy.conn, "second half\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	expectReply(t, busy.reply(), "250 2.0.0 OK: queued as")
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	msgs := tr.queued(t)
	if len(msgs) != 1 || !strings.Contains(msgs[0].text, "first half\r\nsecond half\r\n") {
		t.Fatalf("queued: %+v", msgs)
	}
}

func TestCheckLoop(t *testing.T) {
	prov := func(h string, p int) Server { return Server{Host: h, Port: p, Provider: "Local SMTP"} }
	tests := []struct {
		listen string
		prov   Server
		loop   bool
	}{
		{"127.0.0.1:2525", prov("127.0.0.1", 2525), true},
		{"127.0.0.1:2525", prov("localhost", 2525), true},
		{"0.0.0.0:2525", prov("127.0.0.1", 2525), true},
		{"[::]:2525", prov("::1", 2525), true},
		{"127.0.0.1:2525", prov("127.0.0.1", 25), false},
		{"127.0.0.1:2525", prov("127.0.0.2", 2525), false},
		{"127.0.0.1:587", prov("smtp.office365.com.invalid", 587), false},
		{"127.0.0.1:2525", prov("", 0), false},
	}
	for _, tt := range tests {
		err := CheckLoop(context.Background(), tt.listen, tt.prov)
		if (err != nil) != tt.loop {
			t.Errorf("CheckLoop(%s, %+v) = %v", tt.listen, tt.prov, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "mail loop") || !strings.Contains(err.Error(), "--listen 127.0.0.1:2526")) {
			t.Errorf("the loop message does not say what to change: %v", err)
		}
	}
}

func TestUsersFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "relay-users")
	if err := SetPassword(p, "a", []byte("short")); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if err := SetPassword(p, "a b", []byte("long enough")); err == nil {
		t.Error("a username with a space was accepted")
	}
	if err := SetPassword(p, "a", []byte(strings.Repeat("x", 73))); err == nil {
		t.Error("a password over bcrypt's 72 bytes was accepted (it would be cut)")
	}
	if err := SetPassword(p, "a", []byte("long enough")); err != nil {
		t.Fatal(err)
	}
	if err := SetPassword(p, "b", []byte("other password")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v", st.Mode())
	}
	u, err := LoadUsers(p)
	if err != nil || !u.Check("a", "long enough") || u.Check("a", "other password") || !u.Check("b", "other password") || u.Check("c", "long enough") {
		t.Errorf("users: %v %v", u, err)
	}
	if err := DeleteUser(p, "a"); err != nil {
		t.Fatal(err)
	}
	if u, _ := LoadUsers(p); u.Check("a", "long enough") {
		t.Error("deleted user still logs in")
	}
}

// TestMaxConns: connections beyond MaxConns are answered 421 and closed;
// the ones before keep working.
func TestMaxConns(t *testing.T) {
	tr := startRelay(t, func(o *Options) { o.MaxConns = 2 })
	a := dial(t, tr.addr, "")
	expectReply(t, a.reply(), "220")
	b := dial(t, tr.addr, "")
	expectReply(t, b.reply(), "220")
	c := dial(t, tr.addr, "")
	expectReply(t, c.reply(), "421 4.7.0")
	a.cmd("EHLO a.example")
	expectReply(t, a.send("app@contoso.example", []string{"a@contoso.example"}, simple), "250 2.0.0")
	a.cmd("QUIT")
	// A slot is free again once a client has gone.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := dial(t, tr.addr, "")
		if r := d.reply(); strings.HasPrefix(r, "220") {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no slot after a client left: %s", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FuzzCleaner: whatever arrives, the cleaner never panics, and what it
// yields has no NUL, no bare LF, and a blank line ending the header.
func FuzzCleaner(f *testing.F) {
	for _, s := range []string{simple, "Subject: a\nb\n", "x\r\n", "", "Subject: a\r\n\tfold\r\n\r\n..dot\n..x\r\n", "A: b\r\nno colon\r\n", "\r\n\r\n", "Subject: \x00\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := io.ReadAll(newCleaner(bytes.NewReader(in), defaults{From: "a@b.example", Domain: "b.example"}))
		if err != nil {
			if _, ok := err.(*contentError); !ok {
				t.Fatalf("error %v", err)
			}
			return
		}
		if bytes.IndexByte(out, 0) >= 0 {
			t.Fatalf("NUL in output %q", out)
		}
		if bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("bare LF in output %q", out)
		}
		for _, h := range []string{"date:", "message-id:", "from:"} {
			if !bytes.Contains(bytes.ToLower(out), []byte(h)) {
				t.Fatalf("no %s in %q", h, out)
			}
		}
	})
}

// TestBDAT: CHUNKING (advertised by go-smtp) goes through the same
// clean-up and queueing as DATA.
func TestBDAT(t *testing.T) {
	tr := startRelay(t, nil)
	c := dial(t, tr.addr, "")
	c.reply()
	expectReply(t, c.cmd("EHLO app.example"), "CHUNKING")
	c.cmd("MAIL FROM:<app@contoso.example>")
	c.cmd("RCPT TO:<a@contoso.example>")
	part1 := "Subject: chunks\nFrom: app@contoso.example\n"
	part2 := "\nbody\r\n"
	fmt.Fprintf(c.conn, "BDAT %d\r\n%s", len(part1), part1)
	expectReply(t, c.reply(), "250")
	fmt.Fprintf(c.conn, "BDAT %d LAST\r\n%s", len(part2), part2)
	expectReply(t, c.reply(), "250 2.0.0 OK: queued as")
	msgs := tr.queued(t)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].text, "Subject: chunks\r\nFrom: app@contoso.example\r\n") || !strings.HasSuffix(msgs[0].text, "\r\n\r\nbody\r\n") {
		t.Fatalf("queued %+v", msgs)
	}
}
