package mailer

import (
	"net"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secret"
)

// ipv6Loopback skips the test on a machine without ::1.
func ipv6Loopback(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	_ = ln.Close()
}

// TestIPv6LiteralHost: a relay given as the IPv6 literal ::1 (as the
// wizard keeps it, without brackets) is probed and sends over STARTTLS
// with AUTH; go-mail's own host:port would read "::1:25" and fail with
// "too many colons in address".
func TestIPv6LiteralHost(t *testing.T) {
	ipv6Loopback(t)
	f := startFixture(t, fixtureOptions{host: "::1", tls: StartTLS, mechs: []string{"PLAIN"}, user: "u", pass: "p4ss"})
	srv := f.server()
	if srv.Host != "::1" {
		t.Fatalf("fixture host %q", srv.Host)
	}
	if got := srv.Addr(); !strings.HasPrefix(got, "[::1]:") {
		t.Errorf("Addr() = %q, want [::1]:port", got)
	}
	if _, err := Probe(testCtx(t), srv, false); err != nil {
		t.Fatalf("Probe over ::1: %v", err)
	}
	res, err := Send(testCtx(t), srv, Auth{Kind: AuthPassword, Username: "u", Secret: secret.New("p4ss")}, testMessage("over IPv6"))
	if err != nil {
		t.Fatalf("Send over ::1: %v\n%s", err, strings.Join(res.Transcript, "\n"))
	}
	if n := len(f.messages()); n != 1 {
		t.Fatalf("the server got %d messages, want 1", n)
	}
	if !strings.Contains(strings.Join(res.Transcript, "\n"), "connected to [::1]:") {
		t.Errorf("the transcript does not show the IPv6 address:\n%s", strings.Join(res.Transcript, "\n"))
	}
}
