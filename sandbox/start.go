package sandbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// Defaults Start applies to zero Options fields.
const (
	defaultApproveAfter       = 1800 * time.Millisecond
	defaultPollInterval       = 5 * time.Second
	defaultDeviceCodeLifetime = 900 * time.Second
)

// ScenarioNames returns the names of all scenarios, in list order.
func ScenarioNames() []string {
	names := make([]string, len(Scenarios))
	for i, sc := range Scenarios {
		names[i] = sc.Name
	}
	return names
}

// checkScenario accepts "" and the names in Scenarios.
func checkScenario(name string) error {
	if name == "" {
		return nil
	}
	for _, sc := range Scenarios {
		if sc.Name == name {
			return nil
		}
	}
	return fmt.Errorf("sandbox: unknown scenario %q; valid scenarios: %s", name, strings.Join(ScenarioNames(), ", "))
}

// Start starts the Entra ID stand-in (HTTPS), the Exchange Online SMTP
// submission stand-in, the relay stand-in and the local SMTP sink on
// 127.0.0.1 with random ports. An unknown scenario is an error.
//
// With a StateDir, the Entra stand-in listens on the port it had last time
// when that port is free, so an MSAL token cache saved against it (MSAL
// keys accounts by host and port) keeps working across runs.
func Start(opts Options) (*Sandbox, error) {
	if err := checkScenario(opts.Scenario); err != nil {
		return nil, err
	}
	if err := validCloud(opts.Cloud); err != nil {
		return nil, err
	}
	if opts.ApproveAfter == 0 {
		opts.ApproveAfter = defaultApproveAfter
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	if opts.DeviceCodeLifetime <= 0 {
		opts.DeviceCodeLifetime = defaultDeviceCodeLifetime
	}
	if opts.AccessTokenLifetime < 0 {
		opts.AccessTokenLifetime = 0 // Entra's random 60 to 90 minutes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dir := DirectoryFor(opts.Cloud)
	if opts.Directory != nil {
		dir = cloneDirectory(*opts.Directory)
	}
	s := &Sandbox{opts: opts, now: opts.Now, dir: dir}
	if err := s.loadOrCreateKeys(); err != nil {
		return nil, fmt.Errorf("sandbox: keys: %w", err)
	}
	entraStates.Store(s, &entraState{byDevice: map[string]*deviceCode{}, byUser: map[string]*deviceCode{}})
	if err := s.startEntra(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sandbox: Entra ID stand-in: %w", err)
	}
	if err := s.startSMTP(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sandbox: SMTP stand-ins: %w", err)
	}
	return s, nil
}

// entraPortFile keeps the Entra stand-in's port in StateDir.
const entraPortFile = "entra-port.json"

// listenEntra listens on 127.0.0.1, on the remembered port if any and free.
func (s *Sandbox) listenEntra() (net.Listener, error) {
	if s.opts.StateDir != "" {
		if b, err := secfile.ReadFile(filepath.Join(s.opts.StateDir, entraPortFile)); err == nil {
			var st struct{ Port int }
			if json.Unmarshal(b, &st) == nil && st.Port > 0 && st.Port < 65536 {
				if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(st.Port)); err == nil {
					return ln, nil
				}
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if s.opts.StateDir != "" {
		b, _ := json.Marshal(struct{ Port int }{ln.Addr().(*net.TCPAddr).Port})
		if err := secfile.WriteFile(filepath.Join(s.opts.StateDir, entraPortFile), b); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

// startEntra serves the Entra stand-in over HTTPS and registers its closer.
func (s *Sandbox) startEntra() error {
	ln, err := s.listenEntra()
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	s.endpoints.Authority = "https://127.0.0.1:" + strconv.Itoa(port)
	srv := &http.Server{
		Handler:           s.entraHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		// Handshake failures (a client that does not trust the sandbox CA)
		// are the client's to report; the server stays quiet.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	tlsLn := tls.NewListener(ln, s.serverTLS.Clone())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(tlsLn) // returns http.ErrServerClosed on Close
	}()
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if err != nil {
			err = srv.Close()
		}
		<-done
		return err
	})
	return nil
}

// Close stops all stand-ins and waits for them. It is safe to call more
// than once; later calls return nil.
func (s *Sandbox) Close() error {
	st := s.entra()
	if st == nil {
		return nil
	}
	st.closeOnce.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			if err := s.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		s.closers = nil
		st.closeErr = errors.Join(errs...)
		s.mu.Lock()
		entraStates.Delete(s)
		tokenClouds.Delete(s)
		authzStates.Delete(s)
		s.mu.Unlock()
	})
	return st.closeErr
}
