//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secfile"
)

// stopWait is how long `pimmail relay stop` waits for the service to end:
// the sessions in flight (--shutdown-timeout, 30 s) and the deliveries
// under way, as TimeoutStopSec=90 in the systemd unit.
const stopWait = 90 * time.Second

// runningAsService reports whether the service control manager started
// this process.
func runningAsService() bool {
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// relayService runs the relay for the service control manager.
type relayService struct {
	args []string
	log  io.Writer
	code int
}

// Execute starts the relay, reports it running, and on Stop or Shutdown
// cancels it, which drains it as Ctrl+C does.
func (s *relayService) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- runRelay(ctx, s.args, nil, s.log, s.log) }()
	running := svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	status <- running
	for {
		select {
		case code := <-done:
			s.code = code
			return code != exitOK, uint32(code)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32(stopWait / time.Millisecond)}
				cancel()
				code := <-done
				s.code = code
				return code != exitOK, uint32(code)
			}
		}
	}
}

// runRelayService runs the relay under the service control manager, its
// log lines appended to relay.log beside the configuration (a service has
// no console).
func runRelayService(args []string) int {
	logPath := logPathFor(serviceConfigPath(args))
	var log io.Writer = io.Discard
	if err := secfile.MkdirAll(filepath.Dir(logPath)); err == nil {
		// The directory's owner-only ACL is inherited by the log.
		if f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, secfile.FileMode); err == nil {
			defer f.Close()
			log = f
		}
	}
	s := &relayService{args: args, log: log}
	if err := svc.Run(serviceName, s); err != nil {
		fmt.Fprintf(log, "pimmail relay: cannot run as the service %s: %v\n", serviceName, err)
		return exitFailure
	}
	return s.code
}

// cmdRelayService is `pimmail relay install|uninstall|start|stop`.
func cmdRelayService(action string, args []string, stdout, stderr io.Writer) int {
	if action != "install" && len(args) > 0 {
		fmt.Fprintf(stderr, "pimmail relay %s takes no arguments (the flags are given at install).\n", action)
		return exitUsage
	}
	m, err := mgr.Connect()
	if err != nil {
		fmt.Fprintf(stderr, "pimmail relay %s: cannot reach the service control manager: %v\n%s", action, err, adminHint(err))
		return exitFailure
	}
	defer m.Disconnect()
	switch action {
	case "install":
		return serviceInstall(m, args, stdout, stderr)
	case "uninstall":
		return serviceUninstall(m, stdout, stderr)
	case "start":
		return serviceStart(m, stdout, stderr)
	default:
		return serviceStop(m, stdout, stderr)
	}
}

// adminHint says what to do when Windows refused for lack of rights.
func adminHint(err error) string {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return "Run it in a console opened as Administrator (or an SSH session of an administrator).\n"
	}
	return ""
}

func serviceInstall(m *mgr.Mgr, args []string, stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "pimmail relay install: cannot tell where pimmail is:", err)
		return exitFailure
	}
	spec, err := planService(exe, args, config.SystemPath())
	if err != nil {
		fmt.Fprintln(stderr, "pimmail relay install:", err)
		return exitUsage
	}
	if s, err := m.OpenService(serviceName); err == nil {
		_ = s.Close()
		fmt.Fprintf(stderr, "The service %s is already installed. To change its flags:\n  pimmail relay uninstall\nthen install it again.\n", serviceName)
		return exitUsage
	}
	// The configuration's directory gets its owner-only ACL before anything
	// is written there (C:\ProgramData lets every user create files).
	if err := secfile.MkdirAll(filepath.Dir(spec.ConfigPath)); err != nil {
		fmt.Fprintln(stderr, "pimmail relay install:", err)
		return exitFailure
	}
	if err := secfile.CheckDir(filepath.Dir(spec.ConfigPath)); err != nil {
		fmt.Fprintln(stderr, "pimmail relay install:", err)
		return exitUsage
	}
	s, err := m.CreateService(serviceName, spec.Exe, mgr.Config{
		DisplayName:      serviceDisplayName,
		Description:      serviceDescription,
		StartType:        mgr.StartAutomatic,
		DelayedAutoStart: true, // after the network is up, like After=network-online.target
	}, spec.Args...)
	if err != nil {
		fmt.Fprintf(stderr, "pimmail relay install: %v\n%s", err, adminHint(err))
		return exitFailure
	}
	defer s.Close()
	// Restart=on-failure, RestartSec=5.
	_ = s.SetRecoveryActions([]mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	}, 24*60*60)
	fmt.Fprintf(stdout, "Installed the service %s (starts at boot): %s %v\n", serviceName, spec.Exe, spec.Args)
	fmt.Fprintf(stdout, "Configuration: %s\nLog: %s\n", spec.ConfigPath, spec.LogPath)
	if _, err := os.Stat(spec.ConfigPath); err != nil {
		fmt.Fprintf(stdout, "Set it up first with the wizard:\n  pimmail --config %s\n", spec.ConfigPath)
	}
	fmt.Fprintln(stdout, "Then start it:\n  pimmail relay start")
	return exitOK
}

func openService(m *mgr.Mgr, action string, stderr io.Writer) (*mgr.Service, bool) {
	s, err := m.OpenService(serviceName)
	if err != nil {
		fmt.Fprintf(stderr, "pimmail relay %s: the service %s is not installed (%v). Install it with:\n  pimmail relay install\n", action, serviceName, err)
		return nil, false
	}
	return s, true
}

func serviceUninstall(m *mgr.Mgr, stdout, stderr io.Writer) int {
	s, ok := openService(m, "uninstall", stderr)
	if !ok {
		return exitUsage
	}
	defer s.Close()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		if code := stopAndWait(s, stdout, stderr); code != exitOK {
			return code
		}
	}
	if err := s.Delete(); err != nil {
		fmt.Fprintf(stderr, "pimmail relay uninstall: %v\n%s", err, adminHint(err))
		return exitFailure
	}
	fmt.Fprintf(stdout, "Removed the service %s. The configuration, the queue and relay.log stay.\n", serviceName)
	return exitOK
}

func serviceStart(m *mgr.Mgr, stdout, stderr io.Writer) int {
	s, ok := openService(m, "start", stderr)
	if !ok {
		return exitUsage
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		fmt.Fprintf(stderr, "pimmail relay start: %v\n%s", err, adminHint(err))
		return exitFailure
	}
	fmt.Fprintf(stdout, "Started %s; pimmail status shows it listening, and its log is relay.log beside the configuration.\n", serviceName)
	return exitOK
}

func serviceStop(m *mgr.Mgr, stdout, stderr io.Writer) int {
	s, ok := openService(m, "stop", stderr)
	if !ok {
		return exitUsage
	}
	defer s.Close()
	return stopAndWait(s, stdout, stderr)
}

// stopAndWait asks the service to stop (it drains like Ctrl+C) and waits
// until it has.
func stopAndWait(s *mgr.Service, stdout, stderr io.Writer) int {
	st, err := s.Control(svc.Stop)
	if err != nil {
		fmt.Fprintf(stderr, "pimmail relay stop: %v\n%s", err, adminHint(err))
		return exitFailure
	}
	deadline := time.Now().Add(stopWait)
	for st.State != svc.Stopped {
		if time.Now().After(deadline) {
			fmt.Fprintf(stderr, "pimmail relay stop: %s has not stopped after %s; see relay.log beside the configuration.\n", serviceName, stopWait)
			return exitFailure
		}
		time.Sleep(300 * time.Millisecond)
		if st, err = s.Query(); err != nil {
			fmt.Fprintln(stderr, "pimmail relay stop:", err)
			return exitFailure
		}
	}
	fmt.Fprintf(stdout, "Stopped %s (the sessions in flight finished first).\n", serviceName)
	return exitOK
}
