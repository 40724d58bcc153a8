//go:build windows

package secfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// These run only on Windows (CI builds and vets them; see the README's
// platforms): the DACL WriteFile sets passes the check, and a file that
// grants Users (as one made by os.WriteFile under C:\ProgramData would) is
// refused with an icacls fix.

func TestWriteFileSetsOwnerOnlyDACL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pimmail")
	path := filepath.Join(dir, "config.json")
	if err := WriteFile(path, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, path} {
		sd, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		ctl, _, err := sd.Control()
		if err != nil {
			t.Fatal(err)
		}
		if ctl&windows.SE_DACL_PROTECTED == 0 {
			t.Errorf("%s inherits its parent's ACL", p)
		}
		aces, err := daclEntries(sd)
		if err != nil {
			t.Fatal(err)
		}
		if len(aces) != 3 {
			t.Errorf("%s: %d entries, want 3 (user, SYSTEM, Administrators): %+v", p, len(aces), aces)
		}
	}
	if b, err := ReadFile(path); err != nil || string(b) != "secret" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if err := CheckDir(dir); err != nil {
		t.Error(err)
	}
}

func TestReadFileRefusesAFileUsersMayRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;FA;;;SY)(A;;FR;;;BU)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(path)
	var me *ModeError
	if !errors.As(err, &me) || me.ACL == nil {
		t.Fatalf("ReadFile = %v, want a *ModeError with the ACL", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `/remove:g "*S-1-5-32-545"`) || !strings.Contains(msg, "icacls \""+path+"\" /inheritance:r") {
		t.Errorf("message:\n%s", msg)
	}
}
