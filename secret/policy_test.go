package secret_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// revealAllowed lists, per file, how many times non-test code may call
// Reveal, and why. A new call fails TestRevealSites until someone has
// checked where the plain value goes and added it here.
var revealAllowed = map[string]struct {
	n   int
	why string
}{
	"auth/app.go":        {1, "the client secret goes to MSAL's confidential.NewCredFromSecret"},
	"mailer/smtpauth.go": {2, "the token or password goes to the SASL authenticator given to go-mail's SMTP AUTH"},
	"auth/tokencheck.go": {1, "the access token's claims are read (never the signature, never shown) before it is sent"},
	"mailer/redact.go":   {1, "the credential and its encodings are what the transcript hides"},
	"steps/settings.go":  {1, "the pasted Value is cleaned and validated; the error never quotes it"},
	"auth/authcode.go":   {1, "the client secret goes to MSAL's confidential.NewCredFromSecret"},
	"auth/apponly.go":    {1, "the client secret goes to MSAL's confidential.NewCredFromSecret (and secretIDHint's GUID test)"},
	"steps/signin.go":    {1, "the app-only token's oid claim is read for the Exchange commands; the token is never shown"},
	"lineui/flow.go":     {1, "the Value as read goes to steps.ValidateSecret (cleaned, validated, never quoted); never written"},
}

// moduleRoot is the directory holding go.mod, above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Skipf("module root not found: %v", err)
	}
	return dir
}

// goFiles calls visit for every .go file of the module, with its path
// relative to the root.
func goFiles(t *testing.T, visit func(rel string, src string)) {
	t.Helper()
	root := moduleRoot(t)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		visit(filepath.ToSlash(rel), string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRevealSites(t *testing.T) {
	found := map[string]int{}
	goFiles(t, func(rel, src string) {
		if strings.HasSuffix(rel, "_test.go") {
			return
		}
		if n := strings.Count(src, ".Reveal()"); n > 0 {
			found[rel] = n
		}
	})
	for file, n := range found {
		if a, ok := revealAllowed[file]; !ok || a.n != n {
			t.Errorf("%s calls Reveal %d times, %d reviewed: check where the plain value goes, then update revealAllowed", file, n, a.n)
		}
	}
	for file, a := range revealAllowed {
		if found[file] == 0 {
			t.Errorf("%s no longer calls Reveal (%s): remove it from revealAllowed", file, a.why)
		}
	}
}

// TestNoVerificationSwitchedOff: certificate checks are never switched off,
// not even in tests (the sandbox CA is handed over as RootCAs instead).
func TestNoVerificationSwitchedOff(t *testing.T) {
	off := regexp.MustCompile(`InsecureSkipVerify\s*(:|=)\s*[^,}\s]`)
	goFiles(t, func(rel, src string) {
		if rel == "secret/policy_test.go" {
			return
		}
		for i, line := range strings.Split(src, "\n") {
			if off.MatchString(line) {
				t.Errorf("%s:%d sets InsecureSkipVerify: %s", rel, i+1, strings.TrimSpace(line))
			}
		}
	})
}
