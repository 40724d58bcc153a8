package secfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLinksAreNeitherReadNorReplaced: a file holding secrets that is a
// symbolic link is refused by ReadFile (even when its target is private)
// and WriteFile, and neither the link nor its target changes.
func TestLinksAreNeitherReadNorReplaced(t *testing.T) {
	dir := privateDir(t)
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("private"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	var le *LinkError
	if _, err := ReadFile(link); !errors.As(err, &le) || le.Target != target {
		t.Errorf("ReadFile(link) = %v, want *LinkError", err)
	}
	if err := WriteFile(link, []byte("new")); !errors.As(err, &le) {
		t.Errorf("WriteFile(link) = %v, want *LinkError", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != "private" {
		t.Errorf("the target was written: %q", b)
	}
	var ne *NotFileError
	if _, err := ReadFile(dir); !errors.As(err, &ne) {
		t.Errorf("ReadFile(dir) = %v, want *NotFileError", err)
	}
}
