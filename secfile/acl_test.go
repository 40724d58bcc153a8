package secfile

import (
	"strings"
	"testing"
)

const (
	testUser  = "S-1-5-21-1004336348-1177238915-682003330-1001" // the admin running pimmail
	testOwner = "S-1-5-21-1004336348-1177238915-682003330-1002" // whoever created the file
	sidUsers  = "S-1-5-32-545"
)

// TestTooOpen is the Windows "0600" rule: only the owner, the user pimmail
// runs as, SYSTEM and Administrators may use a secret file.
func TestTooOpen(t *testing.T) {
	tests := []struct {
		name   string
		dacl   []ACE
		rights uint32
		open   []string // SIDs reported, in order
	}{
		{"owner-only DACL as WriteFile sets it", []ACE{
			{SID: testUser, Allow: true, Mask: FullAccess},
			{SID: SIDSystem, Allow: true, Mask: FullAccess},
			{SID: SIDAdministrators, Allow: true, Mask: FullAccess},
		}, AnyAccess, nil},
		{"written by another admin, read by the service", []ACE{
			{SID: testOwner, Allow: true, Mask: FullAccess},
			{SID: SIDSystem, Allow: true, Mask: FullAccess},
		}, AnyAccess, nil},
		{"inherited from C:\\ProgramData: Users may read", []ACE{
			{SID: SIDSystem, Allow: true, Mask: FullAccess},
			{SID: SIDAdministrators, Allow: true, Mask: FullAccess},
			{SID: sidUsers, Allow: true, Mask: 0x001200A9}, // read & execute
		}, AnyAccess, []string{sidUsers}},
		{"null DACL (everyone, everything)", []ACE{
			{SID: SIDEveryone, Allow: true, Mask: ^uint32(0)},
		}, AnyAccess, []string{SIDEveryone}},
		{"generic read in an inherited entry", []ACE{
			{SID: "S-1-5-11", Allow: true, Mask: rightGenericRead}, // Authenticated Users
		}, AnyAccess, []string{"S-1-5-11"}},
		{"a deny entry for Everyone is no grant", []ACE{
			{SID: testUser, Allow: true, Mask: FullAccess},
			{SID: SIDEveryone, Allow: false, Mask: FullAccess},
		}, AnyAccess, nil},
		{"others may only read the ACL and attributes", []ACE{
			{SID: testUser, Allow: true, Mask: FullAccess},
			{SID: sidUsers, Allow: true, Mask: rightReadControl | rightSynchronize | rightReadAttrs},
		}, AnyAccess, nil},
		{"others may read data", []ACE{
			{SID: sidUsers, Allow: true, Mask: rightReadData},
		}, AnyAccess, []string{sidUsers}},
		{"CREATOR OWNER is the owner", []ACE{
			{SID: sidCreatorOwner, Allow: true, Mask: rightGenericAll},
		}, AnyAccess, nil},
		{"directory others may read: accepted (its files are private)", []ACE{
			{SID: testUser, Allow: true, Mask: FullAccess},
			{SID: sidUsers, Allow: true, Mask: 0x001200A9},
		}, WriteAccess, nil},
		{"directory others may add files to (C:\\ProgramData's default)", []ACE{
			{SID: testUser, Allow: true, Mask: FullAccess},
			{SID: sidUsers, Allow: true, Mask: rightWriteData | rightAppendData | rightSynchronize},
		}, WriteAccess, []string{sidUsers}},
		{"directory whose ACL others may change", []ACE{
			{SID: "S-1-5-21-9-9-9-500", Allow: true, Mask: rightWriteDAC},
		}, WriteAccess, []string{"S-1-5-21-9-9-9-500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TooOpen(tt.dacl, tt.rights, testUser, testOwner)
			var sids []string
			for _, a := range got {
				sids = append(sids, a.SID)
			}
			if strings.Join(sids, ",") != strings.Join(tt.open, ",") {
				t.Errorf("TooOpen = %v, want %v", sids, tt.open)
			}
		})
	}
}

// TestACLErrorWording checks the message an admin reads: who else has
// access, and one icacls command on a line of its own that removes exactly
// them and keeps the user, SYSTEM and Administrators.
func TestACLErrorWording(t *testing.T) {
	path := `C:\ProgramData\pimmail\config.json`
	e := &ACLError{Path: path, User: testUser, Open: []ACE{
		{SID: sidUsers, Name: `BUILTIN\Users`, Allow: true, Mask: 0x001200A9},
		{SID: SIDEveryone, Allow: true, Mask: rightReadData},
	}}
	msg := e.Error()
	for _, want := range []string{
		path + " is accessible to other users",
		`BUILTIN\Users (S-1-5-32-545), S-1-1-0`,
		"Run:\n  icacls ",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	_, cmd, _ := strings.Cut(msg, "Run:\n  ")
	cmd = strings.TrimSuffix(cmd, "\n")
	want := `icacls "C:\ProgramData\pimmail\config.json" /inheritance:r` +
		` /grant:r "*` + testUser + `:F" /grant:r "*S-1-5-18:F" /grant:r "*S-1-5-32-544:F"` +
		` /remove:g "*S-1-5-32-545" /remove:g "*S-1-1-0"`
	if cmd != want {
		t.Errorf("command:\n got %s\nwant %s", cmd, want)
	}
}

// TestICACLSCommandNeverRemovesTheKeepers: a too-open entry for SYSTEM or
// the user themself (which TooOpen never reports, but a caller might pass)
// must not turn into /remove:g, which would lock them out; a directory's
// grants are inherited by new files.
func TestICACLSCommandNeverRemovesTheKeepers(t *testing.T) {
	cmd := ICACLSCommand(`D:\pim\mail`, true, testUser, []ACE{
		{SID: testUser}, {SID: SIDSystem}, {SID: SIDAdministrators}, {SID: sidUsers}, {SID: sidUsers},
	})
	want := `icacls "D:\pim\mail" /inheritance:r /grant:r "*` + testUser + `:(OI)(CI)F"` +
		` /grant:r "*S-1-5-18:(OI)(CI)F" /grant:r "*S-1-5-32-544:(OI)(CI)F" /remove:g "*S-1-5-32-545"`
	if cmd != want {
		t.Errorf("command:\n got %s\nwant %s", cmd, want)
	}
}
