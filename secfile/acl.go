package secfile

import (
	"fmt"
	"slices"
	"strings"
)

// This file holds what "private" means on Windows, where file modes mean
// nothing and a file's discretionary ACL (DACL) says who may use it. It is
// plain Go over a list of entries, so that the rule and the wording of its
// fix are tested on every platform; secfile_windows.go reads and writes the
// real DACLs.

// Well-known SIDs that may always hold a secret file: the operating system
// and the machine's administrators, who can take any file anyway.
const (
	SIDSystem         = "S-1-5-18"     // NT AUTHORITY\SYSTEM (LocalSystem, where services run)
	SIDAdministrators = "S-1-5-32-544" // BUILTIN\Administrators
	SIDEveryone       = "S-1-1-0"      // Everyone (stands for a null DACL, which grants all)
	sidCreatorOwner   = "S-1-3-0"      // CREATOR OWNER: replaced by the owner when inherited
	sidOwnerRights    = "S-1-3-4"      // OWNER RIGHTS: the owner's own rights
)

// Access rights (Windows ACCESS_MASK bits) that count when deciding whether
// an entry lets someone use a file or directory.
const (
	rightReadData     uint32 = 0x00000001 // FILE_READ_DATA / FILE_LIST_DIRECTORY
	rightWriteData    uint32 = 0x00000002 // FILE_WRITE_DATA / FILE_ADD_FILE
	rightAppendData   uint32 = 0x00000004 // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
	rightReadEA       uint32 = 0x00000008
	rightWriteEA      uint32 = 0x00000010
	rightExecute      uint32 = 0x00000020 // FILE_EXECUTE / FILE_TRAVERSE
	rightDeleteChild  uint32 = 0x00000040
	rightReadAttrs    uint32 = 0x00000080
	rightWriteAttrs   uint32 = 0x00000100
	rightDelete       uint32 = 0x00010000
	rightReadControl  uint32 = 0x00020000
	rightWriteDAC     uint32 = 0x00040000
	rightWriteOwner   uint32 = 0x00080000
	rightSynchronize  uint32 = 0x00100000
	rightGenericAll   uint32 = 0x10000000
	rightGenericExec  uint32 = 0x20000000
	rightGenericWrite uint32 = 0x40000000
	rightGenericRead  uint32 = 0x80000000
)

// AnyAccess is every right but the harmless ones (waiting on the handle,
// reading the attributes and the security descriptor, which reveal no
// contents): an entry granting any of it makes a secret file too open.
const AnyAccess = ^(rightSynchronize | rightReadAttrs | rightReadControl)

// WriteAccess is what lets someone change a directory or its entries:
// add, remove or replace files (and so swap a configuration for theirs),
// or change who may do so.
const WriteAccess = rightWriteData | rightAppendData | rightWriteEA | rightDeleteChild |
	rightWriteAttrs | rightDelete | rightWriteDAC | rightWriteOwner | rightGenericAll | rightGenericWrite

// FullAccess is what the owner-only DACL gives each of its entries
// (FILE_ALL_ACCESS).
const FullAccess uint32 = 0x001F01FF

// ACE is one access control entry of a DACL, as far as the check needs it.
type ACE struct {
	SID   string // e.g. "S-1-5-32-545"
	Name  string // the account's name (BUILTIN\Users), when it could be looked up
	Allow bool   // an access-allowed entry; denied entries only take rights away
	Mask  uint32 // the rights it grants or denies
}

// who is how an entry is named to the admin.
func (a ACE) who() string {
	if a.Name != "" {
		return a.Name + " (" + a.SID + ")"
	}
	return a.SID
}

// TooOpen returns the entries of a DACL that let someone other than the
// trusted SIDs (the file's owner and the user pimmail runs as) and SYSTEM
// and Administrators use the file with any of rights: AnyAccess for a
// secret file, WriteAccess for a directory that holds them. A null DACL,
// which grants everyone everything, is passed as one entry for Everyone
// with all rights. Deny entries never make a file too open.
func TooOpen(dacl []ACE, rights uint32, trusted ...string) []ACE {
	var open []ACE
	for _, a := range dacl {
		if !a.Allow || a.Mask&rights == 0 {
			continue
		}
		switch a.SID {
		case SIDSystem, SIDAdministrators, sidCreatorOwner, sidOwnerRights:
			continue
		}
		if slices.Contains(trusted, a.SID) {
			continue
		}
		open = append(open, a)
	}
	return open
}

// ACLError reports a Windows file or directory whose DACL lets others use
// it; it is what ModeError is on Unix.
type ACLError struct {
	Path string
	Dir  bool   // a directory: the fix makes its entries inherit the same
	User string // the SID of the user pimmail runs as, who keeps full access
	Open []ACE  // the entries that grant too much
}

// Explain says who else can use the file or directory.
func (e *ACLError) Explain() string {
	whom := make([]string, 0, len(e.Open))
	for _, a := range e.Open {
		whom = append(whom, a.who())
	}
	what := "file"
	if e.Dir {
		what = "directory"
	}
	return fmt.Sprintf("%s is accessible to other users: its permissions (the %s's ACL) also grant %s.",
		e.Path, what, strings.Join(whom, ", "))
}

// Fix is the icacls command that makes it owner-only, on a line of its own.
// The command names accounts by SID (*S-1-…), which works in
// cmd.exe and PowerShell alike and on Windows in any language (the group is
// "Administratoren" on a German server); it only ever takes access away
// from others and keeps it for the user, SYSTEM and Administrators, so it
// is safe to run as an administrator.
func (e *ACLError) Fix() string {
	return "Run:\n  " + ICACLSCommand(e.Path, e.Dir, e.User, e.Open) + "\n"
}

// Error is the explanation and the fix.
func (e *ACLError) Error() string { return e.Explain() + " " + e.Fix() }

// ICACLSCommand returns the icacls command that gives path an owner-only
// DACL: inheritance off (the inherited entries are removed, not copied),
// full control for user (a SID), SYSTEM and Administrators, and the grants
// of the entries in remove taken away. For a directory the grants are
// inherited by what is created in it.
func ICACLSCommand(path string, dir bool, user string, remove []ACE) string {
	inherit := ""
	if dir {
		inherit = "(OI)(CI)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `icacls "%s" /inheritance:r`, path)
	for _, sid := range []string{user, SIDSystem, SIDAdministrators} {
		if sid == "" {
			continue
		}
		fmt.Fprintf(&b, ` /grant:r "*%s:%sF"`, sid, inherit)
	}
	seen := map[string]bool{user: true, SIDSystem: true, SIDAdministrators: true}
	for _, a := range remove {
		// Only real SIDs: an entry of a kind icacls cannot name is left to
		// /inheritance:r (when inherited) or to the admin.
		if seen[a.SID] || !strings.HasPrefix(a.SID, "S-") {
			continue
		}
		seen[a.SID] = true
		fmt.Fprintf(&b, ` /remove:g "*%s"`, a.SID)
	}
	return b.String()
}
