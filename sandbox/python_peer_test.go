package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// peerScript is Python's smtplib (nobody here wrote it) signing in to the
// Exchange stand-in with XOAUTH2: first with the initial response on the
// AUTH line, as smtplib does by default, then in RFC 4954's two-step form
// (initial_response_ok=False), then sending one message.
const peerScript = `
import smtplib, ssl, sys
host, port, cafile, user, token = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
payload = "user=" + user + "\x01auth=Bearer " + token + "\x01\x01"
ctx = ssl.create_default_context(cafile=cafile)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2

def session():
    s = smtplib.SMTP(host, port, timeout=10)
    s.ehlo("peer.example")
    s.starttls(context=ctx)
    s.ehlo("peer.example")
    return s

s = session()
try:
    s.auth("XOAUTH2", lambda challenge=None: payload if challenge is None else "", initial_response_ok=True)
    print("ONE-LINE 235")
except smtplib.SMTPAuthenticationError as e:
    print("ONE-LINE", e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPServerDisconnected:
    print("ONE-LINE disconnected")
try:
    s.quit()
except Exception:
    pass

s = session()
answers = iter([payload, ""])
code, msg = s.auth("XOAUTH2", lambda challenge=None: next(answers), initial_response_ok=False)
print("TWO-STEP", code, msg.decode())
s.sendmail(user, ["ops@example.com"], "From: <" + user + ">\r\nTo: <ops@example.com>\r\nSubject: from smtplib\r\n\r\nhello\r\n")
print("SENT")
s.quit()
`

// TestPythonSmtplibPeer: a client nobody here wrote meets the stand-in's
// line limit with a whole Entra-sized token on the AUTH line, and signs in
// and sends with the two-step form.
func TestPythonSmtplibPeer(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing in CI")
		}
		t.Skip("python3 not installed")
	}
	s := startSMTPSandbox(t, Options{})
	tok := mintToken(t, s, DefaultMailbox, time.Hour)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", peerScript, "127.0.0.1", strconv.Itoa(s.Endpoints().SMTPPort), ca, DefaultMailbox, tok)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"ONE-LINE 500 5.5.2 Command too long",
		"TWO-STEP 235 2.7.0 Authentication successful",
		"SENT",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("smtplib's session lacks %q:\n%s", want, got)
		}
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("the stand-in kept %d messages, want 1", n)
	}
}
