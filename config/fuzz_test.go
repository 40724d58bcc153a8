package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad feeds random bytes to Load: it must never panic, must answer
// either a config or a *ParseError, and whatever it accepts must save and
// load back to the same config.
func FuzzLoad(f *testing.F) {
	good, _ := Marshal(sample())
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"enabled": "local-smtp", "localSmtp": {"host": "mail", "port": 25, "tls": "none"}}`))
	f.Add([]byte(`{"entra": {"cloud": "China", "port": 587}}`))
	f.Add([]byte(`{"version": 1,}`))
	f.Add([]byte(`{"entra": {"clientSecret": 12}}`))
	f.Add([]byte(`{"smtpRelay": {"tls": "implicit", "port": -1}}`))
	f.Add([]byte("{\"email\": {\"from\": \"\xff\xfe\"}}"))
	f.Add([]byte(`{"ENABLED": "smtp-relay"}`))
	f.Add([]byte(`[{"a": [1, {"b": 2}]}]`))
	f.Add([]byte(""))
	dir := f.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Load = %v (%T), want nil or *ParseError", err, err)
			}
			if pe.Line < 1 || pe.Column < 1 {
				t.Fatalf("position line %d column %d is not 1-based", pe.Line, pe.Column)
			}
			if !reflect.DeepEqual(c, Default()) {
				t.Fatalf("a refused file did not give Default()")
			}
			return
		}
		if err := Save(path, c); err != nil {
			t.Fatalf("Save of a config Load accepted: %v", err)
		}
		again, err := Load(path)
		if err != nil {
			t.Fatalf("Load of what Save wrote: %v", err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip changed the config:\n got %#v\nwant %#v", again, c)
		}
	})
}
