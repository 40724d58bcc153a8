package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pimmail/pimmail/config"
)

// `pimmail relay install|uninstall|start|stop`: the relay as a Windows
// service, the counterpart of the systemd unit on Linux. What is installed
// is decided here, in code every platform compiles and Linux tests;
// service_windows.go talks to the service control manager.

// Service names: the same as the systemd unit's, so one name works in the
// README, in scripts and on both platforms.
const (
	serviceName        = "pimmail-relay"
	serviceDisplayName = "pimmail relay"
	serviceDescription = "SMTP listener that sends this server's mail through Exchange Online with OAuth (pimmail relay)."
	// serviceLogName is the log file beside the configuration: a service
	// has no console, so the relay's log lines go there.
	serviceLogName = "relay.log"
)

// serviceActions are the words after `pimmail relay` that manage the service.
var serviceActions = []string{"install", "uninstall", "start", "stop"}

// isServiceAction reports whether args starts with one of serviceActions.
func isServiceAction(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range serviceActions {
		if args[0] == a {
			return true
		}
	}
	return false
}

// serviceSpec is what `pimmail relay install` registers.
type serviceSpec struct {
	Exe        string   // the pimmail executable, absolute
	Args       []string // the service's arguments: relay and its flags, --config always given
	ConfigPath string   // the configuration it uses
	LogPath    string   // where it logs
}

// planService turns `pimmail relay install [relay flags]` into the service
// to register. The service always gets an absolute --config (by default
// config.SystemPath(): a service runs as LocalSystem, whose own AppData is
// no place an admin looks); the relay flags are passed on as given, so the
// service starts exactly like `pimmail relay` with them would. systemPath
// is config.SystemPath() (a parameter so that tests can give a Windows path
// on Linux).
func planService(exe string, flags []string, systemPath string) (serviceSpec, error) {
	if !isAbs(exe) {
		return serviceSpec{}, fmt.Errorf("the path of pimmail itself (%s) is not absolute; run it by its full path", exe)
	}
	cfg, found, err := flagValue(flags, "config")
	if err != nil {
		return serviceSpec{}, err
	}
	args := append([]string{"relay"}, flags...)
	if !found {
		cfg = systemPath
		args = append(args, "--config", cfg)
	}
	if !isAbs(cfg) {
		return serviceSpec{}, fmt.Errorf("--config %s: a service does not start in your directory; give the full path (e.g. %s)", cfg, systemPath)
	}
	for _, f := range []string{"sandbox", "scenario", "rate-window"} {
		if _, found, _ := flagValue(flags, f); found {
			return serviceSpec{}, fmt.Errorf("--%s is for trying the relay in a console, not for a service", f)
		}
	}
	return serviceSpec{Exe: exe, Args: args, ConfigPath: cfg, LogPath: logPathFor(cfg)}, nil
}

// logPathFor is the service's log file for the configuration at cfg.
func logPathFor(cfg string) string {
	if i := strings.LastIndexAny(cfg, `\/`); i >= 0 {
		return cfg[:i+1] + serviceLogName
	}
	return serviceLogName
}

// isAbs reports whether p is absolute on Windows (C:\..., \\server\share)
// or on Unix; the plan is made on any platform.
func isAbs(p string) bool {
	if filepath.IsAbs(p) || strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z'))
}

// flagValue finds --name VALUE, --name=VALUE, -name VALUE or -name=VALUE in
// args (Go's flag syntax), for flags that take a value. Boolean flags
// (--name alone) report found with an empty value.
func flagValue(args []string, name string) (value string, found bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		bare := strings.TrimLeft(a, "-")
		if len(a)-len(bare) > 2 {
			continue
		}
		if k, v, ok := strings.Cut(bare, "="); ok {
			if k == name {
				return v, true, nil
			}
			continue
		}
		if bare != name {
			continue
		}
		if name == "sandbox" {
			return "", true, nil
		}
		if i+1 >= len(args) {
			return "", true, errors.New("--" + name + " needs a value")
		}
		return args[i+1], true, nil
	}
	return "", false, nil
}

// serviceConfigPath is the --config of a service's arguments, for the log
// file (the service's arguments always have one: planService adds it).
func serviceConfigPath(args []string) string {
	if v, found, err := flagValue(args, "config"); found && err == nil {
		return v
	}
	return config.SystemPath()
}

// serviceUsage is the help for the service actions.
const serviceUsage = "  pimmail relay install [relay flags]   (Windows) register the relay as the service " + serviceName + ",\n" +
	"        started at boot as LocalSystem with those flags; --config defaults to\n" +
	"        %ProgramData%\\pimmail\\config.json. Logs to relay.log beside the configuration.\n" +
	"  pimmail relay start | stop | uninstall   (Windows) start, stop (drains like Ctrl+C) or remove it.\n" +
	"        On Linux the relay runs under systemd: see the README's unit (" + serviceName + ".service)."

// notWindowsService is what the service actions say on Linux and macOS.
func notWindowsService(action string) string {
	return fmt.Sprintf("pimmail relay %s manages the Windows service. On this system the relay runs under\n"+
		"systemd (Linux): install the unit from the README as /etc/systemd/system/%s.service, then\n"+
		"  sudo systemctl daemon-reload && sudo systemctl enable --now %s\n", action, serviceName, serviceName)
}
