package diagnose

import (
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

// An unreachable proxy is the proxy's problem, not Microsoft's host's.
// (The proxy's refusal needs HTTPS_PROXY set when the process starts: see
// auth's TestEntraRequestsUseHTTPSProxy.)
func TestProxyConnectFailure(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://login.microsoftonline.com/contoso.com/v2.0/.well-known/openid-configuration",
		Err: &net.OpError{Op: "proxyconnect", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	for _, p := range []*Problem{Entra(err, Facts{}), SMTP(err, Facts{})} {
		if p.Code != NetProxy {
			t.Fatalf("code %s, want %s: %s", p.Code, NetProxy, p.Error())
		}
		if !strings.Contains(p.Explanation, "cannot be reached") || !strings.Contains(p.Explanation, "login.microsoftonline.com") ||
			!strings.Contains(p.Fix, "echo $HTTPS_PROXY") || !strings.Contains(p.Fix, "curl -sI https://login.microsoftonline.com/") {
			t.Errorf("texts:\n%s\n%s", p.Explanation, p.Fix)
		}
		if !errors.Is(p, syscall.ECONNREFUSED) {
			t.Error("the problem does not wrap the error")
		}
	}
}
