package auth_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
)

func TestParseRedirect(t *testing.T) {
	cases := []struct {
		name, in          string
		code, state, errv string
		host              string
	}{
		{"whole URL", "http://localhost:8400/?code=1.AXEAabc&state=s1&session_state=x", "1.AXEAabc", "s1", "", "localhost"},
		{"URL without slash", "http://localhost:8400?code=c&state=s", "c", "s", "", "localhost"},
		{"wrapped by the terminal", "http://localhost:8400/?co\nde=1.AX\r\nEAabc&st ate=s1", "1.AXEAabc", "s1", "", "localhost"},
		{"quoted", `"http://localhost:8400/?code=c&state=s"`, "c", "s", "", "localhost"},
		{"query with ?", "?code=c&state=s", "c", "s", "", ""},
		{"query only", "code=c&state=s", "c", "s", "", ""},
		{"fragment", "http://localhost:8400/#code=c&state=s", "c", "s", "", "localhost"},
		{"error answer", "http://localhost:8400/?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s", "", "s", "access_denied", "localhost"},
		{"percent-encoded code", "http://127.0.0.1:8400/?code=a%2Bb&state=s", "a+b", "s", "", "127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := auth.ParseRedirect(tc.in)
			if err != nil {
				t.Fatalf("ParseRedirect: %v", err)
			}
			if r.Code != tc.code || r.State != tc.state || r.Error != tc.errv || r.Host != tc.host {
				t.Fatalf("got %+v", r)
			}
		})
	}
	for _, bad := range []string{"", "http://localhost:8400/", "hello", "state=s", strings.Repeat("a", 40<<10)} {
		_, err := auth.ParseRedirect(bad)
		p, ok := diagnose.As(err)
		if !ok || p.Code != diagnose.AuthCodeBadPaste {
			t.Errorf("ParseRedirect(%.20q) = %v, want a bad-paste problem", bad, err)
		}
	}
}

// FuzzParseRedirect: whatever is pasted, the parser returns a code or an
// error= answer, or a bad-paste problem; it never panics, and white space
// a terminal adds never changes the result.
func FuzzParseRedirect(f *testing.F) {
	for _, s := range []string{
		"http://localhost:8400/?code=1.AXEAabc&state=s1",
		"http://localhost:8400/?co\nde=x&state=y",
		"?code=c&state=s", "code=c", "#code=c&state=s",
		"http://localhost:8400/?error=access_denied&error_description=AADSTS65004",
		"http://[::1]:8400/?code=c&state=s", "http://%zz/?code=c", "code=%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := auth.ParseRedirect(in)
		if err != nil {
			if p, ok := diagnose.As(err); !ok || p.Code != diagnose.AuthCodeBadPaste {
				t.Fatalf("error %v is not a bad-paste problem", err)
			}
			if len(in) >= 16 && (strings.Contains(p(err).Raw, in) || strings.Contains(p(err).Explanation, in)) {
				t.Fatalf("the problem quotes the paste")
			}
			return
		}
		if r.Code == "" && r.Error == "" {
			t.Fatalf("success without code or error: %+v", r)
		}
		if len(in) < 1000 {
			wrapped := in[:len(in)/2] + "\n" + in[len(in)/2:]
			r2, err2 := auth.ParseRedirect(wrapped)
			if err2 == nil && r2 != r && !strings.ContainsAny(in, " \t\r\n\u00a0\"'<>") {
				t.Fatalf("a newline changed the result: %+v vs %+v", r, r2)
			}
		}
	})
}

func p(err error) *diagnose.Problem { q, _ := diagnose.As(err); return q }

// The S256 challenge as Python's hashlib and base64 (a peer nobody here
// wrote) compute it, for verifiers of RFC 7636's whole length range.
func TestPKCEChallengeAgainstPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing in CI")
		}
		t.Skip("python3 not installed")
	}
	for _, v := range []string{strings.Repeat("a", 43), "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk", strings.Repeat("Z9-._~", 22)[:128]} {
		out, err := exec.Command(py, "-c", "import sys,hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).rstrip(b'=').decode())", v).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := auth.PKCEChallenge(v), strings.TrimSpace(string(out)); got != want {
			t.Errorf("challenge of %q: %s, Python %s", v, got, want)
		}
	}
}
