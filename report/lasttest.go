package report

import (
	"encoding/json"
	"path/filepath"

	"github.com/pimmail/pimmail/secfile"
)

// LastTestPath is where the last `pimmail test` of the configuration at
// configPath is recorded, beside it.
func LastTestPath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), "lasttest.json")
}

// SaveLastTest records t as the configuration's last test (0600, atomic).
// It holds no secret: the reply and problem texts are masked already.
func SaveLastTest(configPath string, t Test) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return secfile.WriteFile(LastTestPath(configPath), append(b, '\n'))
}

// LoadLastTest reads the configuration's last test; ok is false when none
// was recorded or the record cannot be read.
func LoadLastTest(configPath string) (Test, bool) {
	b, err := secfile.ReadFile(LastTestPath(configPath))
	if err != nil {
		return Test{}, false
	}
	var t Test
	if json.Unmarshal(b, &t) != nil {
		return Test{}, false
	}
	return t, true
}
