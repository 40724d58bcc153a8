package main

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestPlanService: what `pimmail relay install` registers on Windows,
// decided on any platform: the relay with the admin's flags, and always an
// absolute --config (the system path by default), its log beside it.
func TestPlanService(t *testing.T) {
	const exe = `C:\Program Files\pimmail\pimmail.exe`
	const sys = `C:\ProgramData\pimmail\config.json`
	tests := []struct {
		name    string
		flags   []string
		args    []string // want
		config  string
		log     string
		wantErr string
	}{
		{"defaults", nil,
			[]string{"relay", "--config", sys}, sys, `C:\ProgramData\pimmail\relay.log`, ""},
		{"flags kept, config added", []string{"--listen", "0.0.0.0:2525", "--allow", "10.1.2.0/24"},
			[]string{"relay", "--listen", "0.0.0.0:2525", "--allow", "10.1.2.0/24", "--config", sys}, sys, `C:\ProgramData\pimmail\relay.log`, ""},
		{"own config", []string{"--config", `D:\pim\mail\config.json`, "--log-json"},
			[]string{"relay", "--config", `D:\pim\mail\config.json`, "--log-json"}, `D:\pim\mail\config.json`, `D:\pim\mail\relay.log`, ""},
		{"own config with =", []string{"-config=D:/pim/config.json"},
			[]string{"relay", "-config=D:/pim/config.json"}, `D:/pim/config.json`, `D:/pim/relay.log`, ""},
		{"relative config refused", []string{"--config", `pimmail\config.json`}, nil, "", "", "give the full path"},
		{"config without value", []string{"--config"}, nil, "", "", "needs a value"},
		{"sandbox refused", []string{"--sandbox"}, nil, "", "", "--sandbox is for trying"},
		{"scenario refused", []string{"--scenario=token-expired"}, nil, "", "", "--scenario is for trying"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := planService(exe, tt.flags, sys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(spec.Args, tt.args) || spec.ConfigPath != tt.config || spec.LogPath != tt.log || spec.Exe != exe {
				t.Errorf("got %+v\nwant args %q, config %s, log %s", spec, tt.args, tt.config, tt.log)
			}
			// What the service runs parses as pimmail relay's own flags.
			if got := serviceConfigPath(spec.Args[1:]); got != tt.config {
				t.Errorf("serviceConfigPath = %q, want %q", got, tt.config)
			}
		})
	}
	if _, err := planService(`pimmail.exe`, nil, sys); err == nil {
		t.Error("a relative path to pimmail itself was accepted: the service would not find it")
	}
}

// TestServiceActionsOutsideWindows: on Linux the service words point to
// the systemd unit instead of doing anything.
func TestServiceActionsOutsideWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("registers a real service on Windows")
	}
	for _, action := range serviceActions {
		var out, errb bytes.Buffer
		code := cmdRelay([]string{action}, strings.NewReader(""), &out, &errb)
		if code != exitUsage {
			t.Errorf("pimmail relay %s: exit %d, want %d", action, code, exitUsage)
		}
		if !strings.Contains(errb.String(), "systemctl enable --now pimmail-relay") {
			t.Errorf("pimmail relay %s says:\n%s", action, errb.String())
		}
	}
	if isServiceAction([]string{"--listen", "install"}) || !isServiceAction([]string{"stop"}) {
		t.Error("isServiceAction looks at more than the first word")
	}
}
