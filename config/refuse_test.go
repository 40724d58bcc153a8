package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secfile"
)

// TestUnsafePlacesAreRefusedWithSafeFixes: a shared sticky directory, a
// configuration that is a symbolic link, another user's file and a
// directory each get their own explanation and a fix that is safe to run
// as root: never chmod of a shared directory, never a command that
// follows a link.
func TestUnsafePlacesAreRefusedWithSafeFixes(t *testing.T) {
	t.Run("shared sticky directory", func(t *testing.T) {
		dir := privateDir(t)
		if err := os.Chmod(dir, fs.ModeSticky|0o777); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "config.json")
		for _, err := range []error{Save(path, sample()), CheckWritable(path)} {
			var me *secfile.ModeError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want *secfile.ModeError", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "chmod") && !strings.Contains(msg, "never chmod") || !strings.Contains(msg, "shared directory") {
				t.Errorf("the fix for a shared directory changes it, or does not say what it is:\n%s", msg)
			}
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("Save wrote into the shared directory")
		}
	})
	t.Run("symbolic link", func(t *testing.T) {
		dir := privateDir(t)
		victim := filepath.Join(t.TempDir(), "passwd")
		if err := os.WriteFile(victim, []byte("root:x:0:0::/root:/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "config.json")
		if err := os.Symlink(victim, path); err != nil {
			t.Fatal(err)
		}
		_, lerr := Load(path)
		serr := Save(path, sample())
		for _, err := range []error{lerr, serr} {
			var le *secfile.LinkError
			if !errors.As(err, &le) || le.Path != path || le.Target != victim {
				t.Fatalf("got %v, want *secfile.LinkError for %s", err, path)
			}
			msg := err.Error()
			if strings.Contains(msg, "chmod") || !strings.Contains(msg, "\n  rm "+path+"\n") {
				t.Errorf("the fix for a link is not to remove the link:\n%s", msg)
			}
		}
		if b, _ := os.ReadFile(victim); !strings.HasPrefix(string(b), "root:x") {
			t.Errorf("Save wrote through the link")
		}
		if st, err := os.Lstat(path); err != nil || st.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("Save replaced the link")
		}
		if st, _ := os.Stat(victim); st.Mode().Perm() != 0o644 {
			t.Errorf("the link's target changed mode to %04o", st.Mode().Perm())
		}
	})
	t.Run("another user's file", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		dir := privateDir(t)
		path := filepath.Join(dir, "config.json")
		if err := Save(path, sample()); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		_, lerr := Load(path)
		serr := Save(path, sample())
		for _, err := range []error{lerr, serr} {
			var oe *secfile.OwnerError
			if !errors.As(err, &oe) || oe.Owner != 65534 {
				t.Fatalf("got %v, want *secfile.OwnerError", err)
			}
			if strings.Contains(err.Error(), "chmod") || !strings.Contains(err.Error(), "another user (uid 65534)") {
				t.Errorf("unclear or unsafe:\n%v", err)
			}
		}
	})
	t.Run("a directory", func(t *testing.T) {
		dir := privateDir(t)
		_, err := Load(dir)
		var ne *secfile.NotFileError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "is a directory, not a configuration file") ||
			strings.Contains(err.Error(), "accessible") {
			t.Fatalf("Load of a directory = %v", err)
		}
	})
}
