package secfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// privateDir returns a fresh 0700 directory.
func privateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pimmail")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// wantMode fails when path's permission bits are not want.
func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s has mode %04o, want %04o", path, st.Mode().Perm(), want)
	}
}

func TestWriteFileCreatesPrivateFileAndDirs(t *testing.T) {
	tests := []struct {
		name     string
		existing *fs.FileMode // a file already at the path, with this mode
		nested   bool         // parent directories missing
	}{
		{name: "new file in existing directory"},
		{name: "missing directories", nested: true},
		{name: "over an existing 0644 file", existing: ptr(fs.FileMode(0o644))},
		{name: "over an existing 0666 file", existing: ptr(fs.FileMode(0o666))},
		{name: "over an existing 0600 file", existing: ptr(fs.FileMode(0o600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := privateDir(t)
			dir := root
			if tt.nested {
				dir = filepath.Join(root, "a", "b")
			}
			path := filepath.Join(dir, "config.json")
			if tt.existing != nil {
				if err := os.WriteFile(path, []byte("old contents\n"), *tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, *tt.existing); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			data := []byte(`{"clientSecret":"Abc8Q~value"}` + "\n")
			if err := WriteFile(path, data); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("file holds %q (%v), want %q", got, err, data)
			}
			wantMode(t, path, FileMode)
			if tt.nested {
				wantMode(t, filepath.Join(root, "a"), DirMode)
				wantMode(t, dir, DirMode)
			}
			if names := listDir(t, dir); !slices.Equal(names, []string{"config.json"}) {
				t.Errorf("directory holds %q after WriteFile, want only config.json", names)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestWriteFileReplacesWholeFile(t *testing.T) {
	path := filepath.Join(privateDir(t), "tokencache.json")
	long := bytes.Repeat([]byte("0123456789"), 10000)
	for _, data := range [][]byte{long, []byte("short\n"), {}, long[:5]} {
		if err := WriteFile(path, data); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, data) {
			t.Fatalf("after writing %d bytes the file holds %d bytes", len(data), len(got))
		}
	}
}

func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	old := []byte(`{"version":1,"clientSecret":"old-secret-value"}` + "\n")
	tests := []struct {
		name string
		// setup prepares the failure and returns the path to write.
		setup func(t *testing.T, dir, path string) string
	}{
		{"parent is a file", func(t *testing.T, dir, path string) string {
			return filepath.Join(path, "config.json")
		}},
		{"parent of the directory is a file", func(t *testing.T, dir, path string) string {
			return filepath.Join(path, "sub", "config.json")
		}},
		{"path is a directory", func(t *testing.T, dir, path string) string {
			target := filepath.Join(dir, "taken")
			if err := os.Mkdir(target, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return target
		}},
		{"read-only directory", func(t *testing.T, dir, path string) string {
			if os.Geteuid() == 0 {
				t.Skip("root writes into read-only directories; see the immutable-directory case")
			}
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
			return path
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := privateDir(t)
			path := filepath.Join(dir, "config.json")
			if err := WriteFile(path, old); err != nil {
				t.Fatal(err)
			}
			target := tt.setup(t, dir, path)
			before := listDir(t, dir)
			err := WriteFile(target, []byte(`{"version":1,"clientSecret":"new"}`))
			if err == nil {
				t.Fatalf("WriteFile(%s) succeeded", target)
			}
			assertUntouched(t, dir, path, old, before)
		})
	}
}

// assertUntouched checks that path still holds old with mode 0600 and that
// dir lists exactly before (no temporary file left).
func assertUntouched(t *testing.T, dir, path string, old []byte, before []string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, old) {
		t.Errorf("the old file changed: %q (%v)", got, err)
	}
	wantMode(t, path, FileMode)
	if after := listDir(t, dir); !slices.Equal(after, before) {
		t.Errorf("directory lists %q after the failure, want %q", after, before)
	}
}

func TestCheckPrivate(t *testing.T) {
	tests := []struct {
		name     string
		dir      bool
		mode     fs.FileMode
		wantErr  bool
		wantWant fs.FileMode
	}{
		{"file 0600", false, 0o600, false, 0},
		{"file 0400", false, 0o400, false, 0},
		{"file 0640 (group reads)", false, 0o640, true, FileMode},
		{"file 0604 (others read)", false, 0o604, true, FileMode},
		{"file 0620 (group writes)", false, 0o620, true, FileMode},
		{"file 0644", false, 0o644, true, FileMode},
		{"directory 0700", true, 0o700, false, 0},
		{"directory 0755", true, 0o755, true, DirMode},
		{"directory 0711", true, 0o711, true, DirMode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(privateDir(t), "target")
			var err error
			if tt.dir {
				err = os.Mkdir(path, 0o700)
			} else {
				err = os.WriteFile(path, []byte("x"), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			err = CheckPrivate(path)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("CheckPrivate = %v, want nil", err)
				}
				return
			}
			var me *ModeError
			if !errors.As(err, &me) {
				t.Fatalf("CheckPrivate = %v, want a *ModeError", err)
			}
			if me.Path != path || me.Mode.Perm() != tt.mode || me.Want != tt.wantWant {
				t.Errorf("ModeError = %+v, want path %s mode %04o want %04o", me, path, tt.mode, tt.wantWant)
			}
			// The message tells the admin exactly what to run, on a line of
			// its own so a copy from the terminal takes nothing else.
			if want := fmt.Sprintf("\n  chmod %o %s\n", tt.wantWant, Quote(path)); !strings.HasSuffix(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		})
	}
	if err := CheckPrivate(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CheckPrivate(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := privateDir(t)
	data := []byte("refresh token inside\n")
	tests := []struct {
		name    string
		setup   func(path string) error
		want    []byte
		wantErr func(error) bool
	}{
		{"private file", func(p string) error { return os.WriteFile(p, data, 0o600) }, data, nil},
		{"world-readable file is refused", func(p string) error {
			if err := os.WriteFile(p, data, 0o600); err != nil {
				return err
			}
			return os.Chmod(p, 0o644)
		}, nil, func(err error) bool { var me *ModeError; return errors.As(err, &me) }},
		{"group-readable file is refused", func(p string) error {
			if err := os.WriteFile(p, data, 0o600); err != nil {
				return err
			}
			return os.Chmod(p, 0o640)
		}, nil, func(err error) bool { var me *ModeError; return errors.As(err, &me) }},
		{"missing file", func(string) error { return nil }, nil, func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"directory", func(p string) error { return os.Mkdir(p, 0o700) }, nil, func(err error) bool { return err != nil }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("f%d", i))
			if err := tt.setup(path); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFile(path)
			if tt.wantErr == nil {
				if err != nil || !bytes.Equal(got, tt.want) {
					t.Fatalf("ReadFile = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !tt.wantErr(err) {
				t.Fatalf("ReadFile error = %v", err)
			}
			if len(got) != 0 {
				t.Errorf("ReadFile returned %q along with the error", got)
			}
		})
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name, base string
		want       bool
	}{
		{".config.json.tmp-123456", "config.json", true},
		{".config.json.tmp-1", "config.json", true},
		{".config.json.tmp-", "config.json", false},
		{".config.json.tmp-12a", "config.json", false},
		{"config.json.tmp-123", "config.json", false},
		{".tokencache.json.tmp-99", "config.json", false},
		{"config.json", "config.json", false},
		// The temp file of "a.tmp-1" is not one of "a"'s.
		{".a.tmp-1.tmp-22", "a", false},
		{".a.tmp-1.tmp-22", "a.tmp-1", true},
	}
	for _, tt := range tests {
		if got := IsTemp(tt.name, tt.base); got != tt.want {
			t.Errorf("IsTemp(%q, %q) = %v, want %v", tt.name, tt.base, got, tt.want)
		}
	}
}

// TestConcurrentWriteFile writes one file from many goroutines at once, so
// that sweeps of stale temp files race with writers creating theirs: every
// write must succeed, the file must end as one of the versions, and no temp
// file may remain.
func TestConcurrentWriteFile(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "tokencache.json")
	if err := WriteFile(path, []byte("v-initial")); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 8, 25
	versions := map[string]bool{}
	for w := range writers {
		for r := range rounds {
			versions[fmt.Sprintf("v-%d-%d", w, r)] = true
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				if err := WriteFile(path, []byte(fmt.Sprintf("v-%d-%d", w, r))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent WriteFile: %v", err)
	}
	got, _ := os.ReadFile(path)
	if !versions[string(got)] {
		t.Errorf("file holds %q, not one of the versions written", got)
	}
	if names := listDir(t, dir); !slices.Equal(names, []string{"tokencache.json"}) {
		t.Errorf("directory holds %q after the writes", names)
	}
}
