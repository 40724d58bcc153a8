package secfile

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"unsafe"
)

// TestWriteFileIgnoresUmask writes with umask 000, as a service started
// with a careless umask would: the modes must still be 0600 and 0700.
func TestWriteFileIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	dir := filepath.Join(root, "new", "pimmail")
	path := filepath.Join(dir, "config.json")
	// An existing world-writable 0666 file (what umask 000 gives os.WriteFile).
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o666); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o666)
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, FileMode)
	fresh := filepath.Join(root, "other", "deeper", "tokencache.json")
	if err := WriteFile(fresh, []byte("tokens")); err != nil {
		t.Fatal(err)
	}
	wantMode(t, fresh, FileMode)
	wantMode(t, filepath.Join(root, "other"), DirMode)
	wantMode(t, filepath.Join(root, "other", "deeper"), DirMode)
}

// Linux's FS_IOC_GETFLAGS / FS_IOC_SETFLAGS and the immutable attribute
// (chattr +i), which stops even root from creating, renaming or removing.
const (
	fsIocGetFlags  = 0x80086601
	fsIocSetFlags  = 0x40086602
	fsImmutableFlg = 0x00000010
)

// setImmutable sets or clears the immutable attribute of path, skipping the
// test where the file system or the privileges do not allow it.
func setImmutable(t *testing.T, path string, on bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var flags int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIocGetFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		t.Skipf("cannot read the attributes of %s: %v", path, e)
	}
	if on {
		flags |= fsImmutableFlg
	} else {
		flags &^= fsImmutableFlg
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIocSetFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		t.Skipf("cannot set the immutable attribute on %s (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs): %v", path, e)
	}
}

// TestWriteFileFailsMidway makes WriteFile fail after it has created its
// temporary file (a write cut short by the file size limit, a rename
// refused) or before (a directory nobody may add to, root included): the
// old file must stay byte-identical and no temporary file may remain.
func TestWriteFileFailsMidway(t *testing.T) {
	old := bytes.Repeat([]byte(`{"clientSecret":"old-secret-value"}`), 100)
	big := bytes.Repeat([]byte("x"), 1<<20)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, path string)
	}{
		{"write cut short (file size limit)", func(t *testing.T, dir, path string) {
			var lim syscall.Rlimit
			if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
				t.Fatal(err)
			}
			// Go ignores SIGXFSZ, so the write returns EFBIG instead of
			// killing the test.
			short := lim
			short.Cur = 64 << 10
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &short); err != nil {
				t.Skipf("cannot lower the file size limit: %v", err)
			}
			t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim) })
		}},
		{"rename refused (immutable old file)", func(t *testing.T, dir, path string) {
			setImmutable(t, path, true)
			t.Cleanup(func() { setImmutable(t, path, false) })
		}},
		{"immutable directory", func(t *testing.T, dir, path string) {
			setImmutable(t, dir, true)
			t.Cleanup(func() { setImmutable(t, dir, false) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := privateDir(t)
			path := filepath.Join(dir, "config.json")
			if err := WriteFile(path, old); err != nil {
				t.Fatal(err)
			}
			before := listDir(t, dir)
			tt.setup(t, dir, path)
			if err := WriteFile(path, big); err == nil {
				t.Fatal("WriteFile succeeded")
			}
			assertUntouched(t, dir, path, old, before)
		})
	}
}

// flockHeld opens path and holds an exclusive flock on it, as a WriteFile
// in progress (in this or another process) does on its temp file.
func flockHeld(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStaleTempFilesAreRemoved(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "config.json")
	mk := func(name string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"clientSecret":"a half-written`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mk(".config.json.tmp-111")     // left by a crash: nobody holds it
	mk(".config.json.tmp-222")     // a WriteFile in progress: locked
	mk(".config.json.tmp-abc")     // not a name WriteFile makes
	mk(".tokencache.json.tmp-333") // another file's
	mk("config.json.bak")
	if err := os.Mkdir(filepath.Join(dir, ".config.json.tmp-444"), 0o700); err != nil {
		t.Fatal(err)
	}
	live := flockHeld(t, filepath.Join(dir, ".config.json.tmp-222"))

	// The first write of a file does not sweep (see removeStale).
	if err := WriteFile(path, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(listDir(t, dir), ".config.json.tmp-111") {
		t.Fatal("a write that created the file swept the directory")
	}
	// Replacing it does: the crash's temp goes, the live one stays.
	if err := WriteFile(path, []byte("v2")); err != nil {
		t.Fatal(err)
	}
	want := []string{".config.json.tmp-222", ".config.json.tmp-444", ".config.json.tmp-abc", ".tokencache.json.tmp-333", "config.json", "config.json.bak"}
	if got := listDir(t, dir); !slices.Equal(got, want) {
		t.Errorf("after replacing: %q, want %q", got, want)
	}
	// Once its writer is gone (the lock is released), it goes too.
	_ = live.Close()
	if err := WriteFile(path, []byte("v3")); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); slices.Contains(got, ".config.json.tmp-222") {
		t.Errorf("the released temp file is still there: %q", got)
	}
	if b, _ := os.ReadFile(path); string(b) != "v3" {
		t.Errorf("file holds %q", b)
	}
}

// TestLockedNewTempIsNotUsed covers the instant between creating a temp file
// and locking it: when another WriteFile's sweep has locked it meanwhile
// (and will remove it), createTemp must take a fresh one.
func TestLockedNewTempIsNotUsed(t *testing.T) {
	dir := privateDir(t)
	f, err := os.CreateTemp(dir, tempPrefix("x")+"*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sweeper := flockHeld(t, f.Name())
	defer sweeper.Close()
	if ok, err := tryLockFile(f); ok || err != nil {
		t.Fatalf("tryLockFile on a file locked elsewhere = %v, %v; want false, nil", ok, err)
	}
	// And a name removed under a locked file is noticed.
	g, err := os.CreateTemp(dir, tempPrefix("x")+"*")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !stillNamed(g) {
		t.Fatal("stillNamed is false for a file in place")
	}
	if err := os.Remove(g.Name()); err != nil {
		t.Fatal(err)
	}
	if stillNamed(g) {
		t.Error("stillNamed is true for a removed file")
	}
}
