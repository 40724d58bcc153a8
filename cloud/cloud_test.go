package cloud

import (
	"bufio"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// reference is the cloud table of the team's reference
// (microsoft-entra-exchange.md, "Clouds"), copied here so the test runs
// anywhere; TestReferenceFileAgrees checks the copy against the file when
// it is present.
var reference = []struct {
	label, authority, smtpScope, smartHost string
}{
	{"Global", "login.microsoftonline.com", "https://outlook.office.com/SMTP.Send", "smtp.office365.com"},
	{"US Government (GCC High)", "login.microsoftonline.us", "https://outlook.office365.us/SMTP.Send", "smtp.office365.us"},
	{"US DoD", "login.microsoftonline.us", "https://outlook.office365.us/SMTP.Send", "smtp.office365.us"},
	{"China (21Vianet)", "login.partner.microsoftonline.cn", "https://partner.outlook.cn/SMTP.Send", "smtp.partner.outlook.cn"},
}

// referencePaths are where the reference may be: beside the clone (CI runs
// with a copy of shared/ next to the repository, so ../shared from the
// repository's root), then where the team keeps it on a development machine.
var referencePaths = []string{
	filepath.Join("..", "..", "shared", "reference", "microsoft-entra-exchange.md"),
	"/work/shared/reference/microsoft-entra-exchange.md",
}

// openReference opens the first reference found. Without one the test
// skips on a developer's machine but fails in CI (CI set), where the copy
// of shared/ must be there: a comparison that silently skips compares
// nothing.
func openReference(t *testing.T) *os.File {
	t.Helper()
	paths := referencePaths
	if p := os.Getenv("PIMMAIL_REFERENCE"); p != "" {
		paths = []string{p} // TestMissingReferenceFailsInCI
	}
	var errs []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err == nil {
			return f
		}
		errs = append(errs, err.Error())
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: the shared reference is missing (%s); CI must check out shared/ beside the repository", strings.Join(errs, "; "))
	}
	t.Skipf("reference not on this machine: %s", strings.Join(errs, "; "))
	return nil
}

func TestCloudsMatchTheReference(t *testing.T) {
	if len(All) != len(reference) {
		t.Fatalf("%d clouds, the reference has %d", len(All), len(reference))
	}
	for i, want := range reference {
		c := All[i]
		t.Run(c.Name, func(t *testing.T) {
			if !strings.HasPrefix(c.Label, want.label) {
				t.Errorf("cloud %d is %q, the reference's row %d is %q", i, c.Label, i, want.label)
			}
			if c.AuthorityHost != want.authority {
				t.Errorf("AuthorityHost = %q, want %q", c.AuthorityHost, want.authority)
			}
			if c.AuthorityURL() != "https://"+want.authority {
				t.Errorf("AuthorityURL = %q", c.AuthorityURL())
			}
			if c.SMTPScope != want.smtpScope {
				t.Errorf("SMTPScope = %q, want %q", c.SMTPScope, want.smtpScope)
			}
			if c.SmartHost != want.smartHost || c.SmartPort != 587 {
				t.Errorf("smart host = %s:%d, want %s:587 (STARTTLS)", c.SmartHost, c.SmartPort, want.smartHost)
			}
		})
	}
}

func TestScopesAndAudiences(t *testing.T) {
	for _, c := range All {
		t.Run(c.Name, func(t *testing.T) {
			// Client credentials need the resource's /.default scope
			// (AADSTS1002012 otherwise); device code needs SMTP.Send.
			appResource, ok := strings.CutSuffix(c.AppScope, "/.default")
			if !ok {
				t.Errorf("AppScope %q does not end with /.default", c.AppScope)
			}
			smtpResource, ok := strings.CutSuffix(c.SMTPScope, "/SMTP.Send")
			if !ok {
				t.Errorf("SMTPScope %q does not end with /SMTP.Send", c.SMTPScope)
			}
			for _, r := range []string{appResource, smtpResource} {
				u, err := url.Parse(r)
				if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" {
					t.Errorf("resource %q is not an https origin", r)
				}
				// Tokens for either scope must be accepted by the cloud's
				// Exchange Online, or the check passes and sending fails.
				if !slices.Contains(c.Audiences, r) {
					t.Errorf("resource %q is not among the audiences %q", r, c.Audiences)
				}
			}
			if !slices.Contains(c.Audiences, "00000002-0000-0ff1-ce00-000000000000") {
				t.Errorf("audiences %q lack Exchange Online's app ID", c.Audiences)
			}
			if c.Name != strings.ToLower(c.Name) || c.Label == "" {
				t.Errorf("name %q must be lower case and the label set", c.Name)
			}
		})
	}
	// The reference's own example of an app-only scope.
	if Global.AppScope != "https://outlook.office365.com/.default" {
		t.Errorf("Global.AppScope = %q", Global.AppScope)
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"", "global", true},
		{"   ", "global", true},
		{"global", "global", true},
		{"Global", "global", true},
		{"GLOBAL", "global", true},
		{" global\n", "global", true},
		{"usgov", "usgov", true},
		{"UsGov", "usgov", true},
		{"usdod", "usdod", true},
		{"USDOD", "usdod", true},
		{"china", "china", true},
		{"China", "china", true},
		{"gcchigh", "", false},
		{"us gov", "", false},
		{"mars", "", false},
		{"global2", "", false},
	}
	for _, tt := range tests {
		c, ok := ByName(tt.in)
		if ok != tt.wantOK || c.Name != tt.want {
			t.Errorf("ByName(%q) = %q, %v; want %q, %v", tt.in, c.Name, ok, tt.want, tt.wantOK)
		}
	}
	// Every cloud is found by its own name, and returns itself.
	for _, c := range All {
		got, ok := ByName(c.Name)
		if !ok || got.AuthorityHost != c.AuthorityHost || got.SMTPScope != c.SMTPScope || got.Label != c.Label {
			t.Errorf("ByName(%q) = %+v, %v", c.Name, got, ok)
		}
	}
	// Unknown names give the zero Cloud, never Global by accident.
	if c, _ := ByName("mars"); c.AuthorityHost != "" {
		t.Errorf("ByName(mars) = %+v, want the zero Cloud", c)
	}
}

func TestNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All {
		if seen[c.Name] {
			t.Errorf("two clouds are named %q", c.Name)
		}
		seen[c.Name] = true
	}
}

// TestReferenceFileAgrees reads the Clouds table of the reference, when
// this machine has it, so the copy above cannot drift from it.
func TestReferenceFileAgrees(t *testing.T) {
	f := openReference(t)
	defer f.Close()
	var rows [][]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "## Clouds":
			in = true
		case in && strings.HasPrefix(line, "## "):
			in = false
		case in && strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---") && !strings.HasPrefix(line, "| cloud"):
			var cells []string
			for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
				cells = append(cells, strings.TrimSpace(c))
			}
			rows = append(rows, cells)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(reference) {
		t.Fatalf("the reference lists %d clouds, the test's copy %d: %q", len(rows), len(reference), rows)
	}
	for i, r := range rows {
		want := reference[i]
		if len(r) != 4 || r[0] != want.label || r[1] != want.authority || r[2] != want.smtpScope || r[3] != want.smartHost {
			t.Errorf("reference row %d = %q, the test's copy %+v", i, r, want)
		}
	}
}

// TestMissingReferenceFailsInCI runs the comparison in a child process
// with the reference pointed nowhere: in CI it fails, elsewhere it skips.
func TestMissingReferenceFailsInCI(t *testing.T) {
	if os.Getenv("PIMMAIL_REFERENCE") != "" {
		t.Skip("in the child")
	}
	for _, ci := range []string{"true", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReferenceFileAgrees$", "-test.v")
		cmd.Env = append(os.Environ(), "CI="+ci, "PIMMAIL_REFERENCE="+filepath.Join(t.TempDir(), "missing.md"))
		out, err := cmd.CombinedOutput()
		switch {
		case ci != "" && (err == nil || !strings.Contains(string(out), "CI: the shared reference is missing")):
			t.Errorf("CI=true without the reference: err %v\n%s", err, out)
		case ci == "" && (err != nil || !strings.Contains(string(out), "SKIP")):
			t.Errorf("no CI, no reference: err %v, want a skip\n%s", err, out)
		}
	}
}
