//go:build windows

package secfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows a file's mode bits mean nothing (Go reports 0666 for every
// writable file); who may use it is its DACL. Private here means: an
// explicit DACL, inheritance off, full control for the user pimmail runs
// as, SYSTEM and Administrators, nobody else (acl.go decides what is too
// open and words the fix).

// currentUser returns the SID of the user this process runs as.
var currentUser = sync.OnceValues(func() (string, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("look up the user pimmail runs as: %w", err)
	}
	return tu.User.Sid.String(), nil
})

// privateSA returns security attributes with the owner-only DACL: for a
// directory its entries are inherited by the files and directories created
// in it ("OICI"); "P" turns inheritance from the parent off.
func privateSA(dir bool) (*windows.SecurityAttributes, error) {
	user, err := currentUser()
	if err != nil {
		return nil, err
	}
	flags := ""
	if dir {
		flags = "OICI"
	}
	// The owner is the user, set explicitly: an elevated administrator's
	// files would otherwise belong to the Administrators group, and the
	// relay running as SYSTEM would then take the user's entry for someone
	// else's (checkSD trusts the owner).
	sddl := fmt.Sprintf("O:%[2]sD:P(A;%[1]s;FA;;;%[2]s)(A;%[1]s;FA;;;SY)(A;%[1]s;FA;;;BA)", flags, user)
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return nil, fmt.Errorf("build the owner-only ACL: %w", err)
	}
	return &windows.SecurityAttributes{
		Length:             uint32(unsafe.Sizeof(windows.SecurityAttributes{})),
		SecurityDescriptor: sd,
	}, nil
}

// createPrivate creates a new file with the owner-only DACL set at
// creation (CREATE_NEW), so no other user can open it in between.
func createPrivate(path string) (*os.File, error) {
	sa, err := privateSA(false)
	if err != nil {
		return nil, err
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_DELETE, sa,
		windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// replaceFile moves oldpath over newpath; MOVEFILE_WRITE_THROUGH returns
// only once the move is flushed to disk, which is what syncing the
// directory does on Unix.
func replaceFile(oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// mkdirPrivate creates a directory with the owner-only DACL, inherited by
// what is created in it.
func mkdirPrivate(dir string) error {
	sa, err := privateSA(true)
	if err != nil {
		return err
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// checkPath is CheckPrivate's test on Windows: the file's DACL.
func checkPath(path string, st fs.FileInfo) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the permissions of %s: %w", path, err)
	}
	return checkSD(path, st, sd, AnyAccess)
}

// checkOpen reads the DACL of the opened file, so the file checked is the
// file read.
func checkOpen(path string, f *os.File, st fs.FileInfo) error {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the permissions of %s: %w", path, err)
	}
	return checkSD(path, st, sd, AnyAccess)
}

// checkDirAccess refuses a directory whose DACL lets others change it
// (writeOnly) or use it at all.
func checkDirAccess(dir string, st fs.FileInfo, writeOnly bool) error {
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the permissions of %s: %w", dir, err)
	}
	rights := AnyAccess
	if writeOnly {
		rights = WriteAccess
	}
	return checkSD(dir, st, sd, rights)
}

// checkSD applies TooOpen to a security descriptor; the file's owner and
// the user pimmail runs as are trusted (a relay running as SYSTEM reads the
// configuration an administrator saved).
func checkSD(path string, st fs.FileInfo, sd *windows.SECURITY_DESCRIPTOR, rights uint32) error {
	user, err := currentUser()
	if err != nil {
		return err
	}
	trusted := []string{user}
	if owner, _, err := sd.Owner(); err == nil && owner != nil {
		trusted = append(trusted, owner.String())
	}
	aces, err := daclEntries(sd)
	if err != nil {
		return fmt.Errorf("read the permissions of %s: %w", path, err)
	}
	open := TooOpen(aces, rights, trusted...)
	if len(open) == 0 {
		return nil
	}
	want := FileMode
	if st.IsDir() {
		want = DirMode
	}
	return &ModeError{Path: path, Mode: st.Mode(), Want: want,
		ACL: &ACLError{Path: path, Dir: st.IsDir(), User: user, Open: open}}
}

// daclEntries lists the allow and deny entries of sd's DACL. A missing or
// null DACL grants everyone everything: it is returned as one such entry.
func daclEntries(sd *windows.SECURITY_DESCRIPTOR) ([]ACE, error) {
	everyone := []ACE{{SID: SIDEveryone, Name: "Everyone (no ACL at all)", Allow: true, Mask: ^uint32(0)}}
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		return everyone, nil
	}
	if err != nil {
		return nil, err
	}
	var aces []ACE
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return nil, err
		}
		var allow bool
		switch ace.Header.AceType {
		case windows.ACCESS_ALLOWED_ACE_TYPE:
			allow = true
		case windows.ACCESS_DENIED_ACE_TYPE:
			allow = false
		default:
			// Object and callback entries do not occur on files; count
			// one as a grant to be safe, named by its type.
			aces = append(aces, ACE{SID: fmt.Sprintf("(entry of type %d)", ace.Header.AceType), Allow: true, Mask: uint32(ace.Mask)})
			continue
		}
		// The SID starts where SidStart is (the ACE's layout in memory).
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		a := ACE{SID: sid.String(), Allow: allow, Mask: uint32(ace.Mask)}
		if allow {
			if acct, dom, _, err := sid.LookupAccount(""); err == nil {
				a.Name = acct
				if dom != "" {
					a.Name = dom + `\` + acct
				}
			}
		}
		aces = append(aces, a)
	}
	return aces, nil
}
