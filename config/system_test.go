package config

import "testing"

func TestSystemPath(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"windows", map[string]string{"ProgramData": `C:\ProgramData`}, `C:\ProgramData\pimmail\config.json`},
		{"windows", map[string]string{"ProgramData": `D:\Data\`}, `D:\Data\pimmail\config.json`},
		{"windows", nil, `C:\ProgramData\pimmail\config.json`},
		{"linux", map[string]string{"ProgramData": `C:\ProgramData`}, "/var/lib/pimmail/config.json"},
		{"darwin", nil, "/var/lib/pimmail/config.json"},
	}
	for _, tt := range tests {
		if got := systemPath(tt.goos, env(tt.env)); got != tt.want {
			t.Errorf("systemPath(%s, %v) = %q, want %q", tt.goos, tt.env, got, tt.want)
		}
	}
}
