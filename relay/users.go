package relay

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"github.com/pimmail/pimmail/secfile"
)

// The relay's local users: the username and password an application that
// used Basic authentication is configured with, so it keeps working when
// pointed at the relay. They are this server's, never Microsoft's: the
// relay signs in to Exchange Online with OAuth whatever the application
// says. The file (relay-users, beside the configuration, 0600) holds one
// "user:bcrypt-hash" line per user.

// UsersFileName is the users file's name in the configuration's directory.
const UsersFileName = "relay-users"

// UsersPath is the users file that belongs to a configuration file.
func UsersPath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), UsersFileName)
}

// bcryptCost: about 50 ms per check on a small server, which makes
// guessing slow and an application's login quick.
const bcryptCost = 11

// MaxPasswordBytes is bcrypt's limit; a longer password is refused rather
// than silently cut.
const MaxPasswordBytes = 72

// Users is the parsed users file: username -> bcrypt hash.
type Users map[string][]byte

// LoadUsers reads the users file; a missing file is no users (AUTH is then
// not offered).
func LoadUsers(path string) (Users, error) {
	b, err := secfile.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Users{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the relay's users file: %w", err)
	}
	u := Users{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok || name == "" || !strings.HasPrefix(hash, "$2") {
			return nil, fmt.Errorf("%s line %d is not user:bcrypt-hash; set the user again with pimmail relay passwd USER", path, i+1)
		}
		u[name] = []byte(hash)
	}
	return u, nil
}

// ValidUsername checks a local username: printable ASCII without spaces or
// colons, as applications' SMTP settings take them.
func ValidUsername(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("a username is 1 to 64 characters")
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == ':' {
			return fmt.Errorf("the username %q has a character other than printable ASCII (no spaces or colons)", name)
		}
	}
	return nil
}

// SetPassword adds or replaces user's password in the users file (written
// atomically, 0600).
func SetPassword(path, user string, password []byte) error {
	if err := ValidUsername(user); err != nil {
		return err
	}
	if len(password) < 8 {
		return errors.New("the password is shorter than 8 characters")
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("the password is longer than %d bytes (bcrypt's limit)", MaxPasswordBytes)
	}
	u, err := LoadUsers(path)
	if err != nil {
		return err
	}
	h, err := bcrypt.GenerateFromPassword(password, bcryptCost)
	if err != nil {
		return err
	}
	u[user] = h
	return u.save(path)
}

// DeleteUser removes user from the users file.
func DeleteUser(path, user string) error {
	u, err := LoadUsers(path)
	if err != nil {
		return err
	}
	if _, ok := u[user]; !ok {
		return fmt.Errorf("no relay user %q in %s", user, path)
	}
	delete(u, user)
	return u.save(path)
}

func (u Users) save(path string) error {
	names := make([]string, 0, len(u))
	for n := range u {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("# pimmail relay users (pimmail relay passwd USER); bcrypt hashes, not passwords\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%s:%s\n", n, u[n])
	}
	return secfile.WriteFile(path, b.Bytes())
}

// dummyHash is checked against for an unknown user, so that the answer
// takes as long as for a known one.
// Made on first use: every pimmail command imports this package.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("pimmail-no-such-user"), bcryptCost)
	return h
})

// Check reports whether user and password match.
func (u Users) Check(user, password string) bool {
	h, ok := u[user]
	if !ok {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(h, []byte(password)) == nil
}
