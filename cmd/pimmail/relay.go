package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/relay"
	"github.com/pimmail/pimmail/steps"
)

// relayReloadEvery is how often the relay looks at the configuration file
// for a new one saved by the wizard.
const relayReloadEvery = time.Second

// cmdRelay is `pimmail relay`: the SMTP listener, with the delivery worker
// in the same process.
func cmdRelay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "passwd" {
		return cmdRelayPasswd(args[1:], stdin, stdout, stderr)
	}
	if isServiceAction(args) {
		return cmdRelayService(args[0], args[1:], stdout, stderr)
	}
	if runningAsService() {
		// Started by Windows' service control manager (pimmail relay install).
		return runRelayService(args)
	}
	return runRelay(context.Background(), args, stdin, stdout, stderr)
}

// runRelay is the relay until parent ends (the Windows service's stop),
// SIGTERM or Ctrl+C.
func runRelay(parent context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("relay", "pimmail relay [--listen 127.0.0.1:2525] [--allow CIDR,...] [--config PATH] [flags]",
		"Accepts SMTP from the programs on this server (a PIM system's Local SMTP provider,\n"+
			"a legacy application) and sends their mail through the enabled provider: each\n"+
			"message is written to the queue on disk before it is acknowledged (250), then\n"+
			"delivered within Exchange Online's limits by the delivery worker running in this\n"+
			"process. Limits: 35 MB a message, 500 recipients.\n\n"+
			"Loopback only by default. Any other --listen address needs --allow with the\n"+
			"client networks that may send; everyone else is refused at connect (never an\n"+
			"open relay). AUTH PLAIN/LOGIN with a local user (pimmail relay passwd USER) is\n"+
			"offered to clients on this server, and to others only after STARTTLS (--tls-cert,\n"+
			"--tls-key).\n\n"+
			"Runs as a service: logs on stderr; SIGTERM finishes the SMTP sessions in flight\n"+
			"and the deliveries under way, then exits; a configuration saved by the wizard is\n"+
			"picked up without a restart.\n\n"+
			"  pimmail relay passwd [--config PATH] [--delete] USER\n"+
			"        Set (or delete) a local user's password for AUTH; read without echo,\n"+
			"        or as one line on standard input. Not Microsoft's password.\n"+serviceUsage, stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	listen := fs.String("listen", "127.0.0.1:2525", "address to listen on (host:port)")
	allowList := fs.String("allow", "", "client networks allowed besides loopback, comma-separated (10.1.2.0/24,10.1.3.7)")
	// Read by commandConfig: the sandbox's own configuration, its mail store.
	fs.Bool("sandbox", false, "use the sandbox's own configuration (made with pimmail --sandbox); mail lands in the sandbox's mail folder")
	scenario := fs.String("scenario", "", "with a sandbox configuration: switch one failure on (see pimmail sandbox --list-scenarios)")
	certFile := fs.String("tls-cert", "", "certificate (PEM, with its chain) for STARTTLS")
	keyFile := fs.String("tls-key", "", "private key (PEM) for STARTTLS")
	requireAuth := fs.Bool("require-auth", false, "refuse mail from clients that have not authenticated (AUTH)")
	keepSender := fs.Bool("keep-sender", false, "Entra ID SMTP Client: keep the client's MAIL FROM and From (the mailbox needs Send As on them);\n"+
		"by default mail goes out as the mailbox: MAIL FROM is the mailbox, another From becomes the configured From\n"+
		"(display name kept; the client's address moves to Reply-To and X-Original-From)")
	drain := fs.Duration("shutdown-timeout", 30*time.Second, "on SIGTERM, how long sessions in flight may take to finish")
	logJSON := fs.Bool("log-json", false, "log as JSON lines instead of key=value text")
	perMinute := fs.Int("per-minute", queue.MaxPerMinute, "messages a minute, at most 30 (Exchange Online's limit)")
	conns := fs.Int("connections", queue.DefaultConnections, "SMTP connections to the provider at once, 1 to 3 (Exchange Online allows 3 a mailbox; the default leaves one for pimmail test and other senders)")
	window := fs.Duration("rate-window", 0, "length of the per-minute window (tests and benchmarks with a sandbox only)")
	p, cfg, code, ok := commandConfig(fs, args, path, scenario, stderr)
	if !ok {
		return code
	}
	if *conns < 1 || *conns > queue.MaxConnections {
		fmt.Fprintf(stderr, "pimmail relay: --connections %d: give 1 to %d (Exchange Online allows %d SMTP connections a mailbox).\n", *conns, queue.MaxConnections, queue.MaxConnections)
		return exitUsage
	}
	if *window != 0 && !cfg.Sandbox {
		fmt.Fprintln(stderr, "pimmail relay: --rate-window is for tests against the sandbox only; Exchange Online counts per real minute.")
		return exitUsage
	}
	if cfg.Enabled == config.ProviderNone {
		fmt.Fprintf(stderr, "No provider is enabled in %s, so the relay would have nowhere to send.\n"+
			"Run pimmail (the setup wizard) to test and enable one, then start the relay.\n", p)
		return exitUsage
	}
	extra, err := relay.ParseAllow(*allowList)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail relay:", err)
		return exitUsage
	}
	if err := relay.CheckListen(*listen, extra); err != nil {
		fmt.Fprintln(stderr, "pimmail relay:", err)
		return exitUsage
	}
	var tlsConf *tls.Config
	switch {
	case *certFile != "" && *keyFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "pimmail relay: cannot use --tls-cert %s with --tls-key %s: %v\n"+
				"Give the certificate (PEM, server certificate first, then its chain) and its private key (PEM).\n", *certFile, *keyFile, err)
			return exitUsage
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case *certFile != "" || *keyFile != "":
		fmt.Fprintln(stderr, "pimmail relay: STARTTLS needs both --tls-cert and --tls-key.")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := relay.CheckLoop(ctx, *listen, providerServer(cfg)); err != nil {
		fmt.Fprintln(stderr, "pimmail relay:", err)
		return exitUsage
	}
	sp, err := queue.Open(queue.Dir(p))
	if err != nil {
		fmt.Fprintf(stderr, "The spool cannot be used:\n  %v\n", err)
		return exitUsage
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(handler)

	target := steps.DeliveryTarget(steps.Env{ConfigPath: p})
	if cfg.Sandbox {
		_, sb, err := commandSandbox(p, *scenario, io.Discard)
		if err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox this configuration was made with:", err)
			return exitUsage
		}
		sd := newSandboxDelivery(p, *scenario, sb, logger)
		defer sd.Close()
		target = sd.Target
		logger.Info("sandbox configuration: mail goes to the sandbox's mail folder", "folder", config.SandboxDir(p)+"/mail",
			"scenario", orNoScenario(sb.Scenario))
	}

	var wk atomic.Pointer[queue.Worker]
	usersPath := relay.UsersPath(p)
	r, err := relay.New(relay.Options{
		Listen: *listen, Allow: append(append([]netip.Prefix{}, relay.Loopback...), extra...),
		Spool: sp, UsersPath: usersPath, RequireAuth: *requireAuth, KeepSender: *keepSender, TLSConfig: tlsConf, Logger: logger,
		Notify: func() {
			if w := wk.Load(); w != nil {
				w.Notify()
			}
		},
	})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			if rs, ok := sp.ReadRelayState(); ok && rs.PID > 0 && rs.PID != os.Getpid() && processAlive(rs.PID) && rs.Listen == *listen {
				fmt.Fprintf(stderr, "pimmail relay: a relay for this configuration is already running on %s (process %d).\n"+
					"Stop it first (systemctl stop pimmail-relay, or kill %d), or start this one with another --listen.\n", rs.Listen, rs.PID, rs.PID)
				return exitUsage
			}
			fmt.Fprintf(stderr, "pimmail relay: another program already listens on %s; see which with: ss -ltnp\n"+
				"Stop it, or start the relay with another --listen.\n", *listen)
			return exitUsage
		}
		fmt.Fprintln(stderr, "pimmail relay:", err)
		return exitUsage
	}
	r.SetDefaults(defaultFrom(cfg))
	users, _ := relay.LoadUsers(usersPath)
	if len(users) == 0 {
		logger.Info("no local users: EHLO offers no AUTH and clients send without logging in; "+
			"for an application that must log in: pimmail relay passwd USER", "users", usersPath)
	}
	if err := sp.WriteRelayState(queue.RelayState{PID: os.Getpid(), Listen: r.Addr().String(), Started: time.Now().UTC(),
		TLS: tlsConf != nil, Auth: len(users) > 0}); err != nil {
		logger.Warn("cannot record the relay for pimmail status", "err", err)
	}
	defer func() { _ = sp.ClearRelayState() }()

	// The delivery worker, in this process. Another worker may hold the
	// spool (one `pimmail send` started); it then delivers, and this one
	// takes over when it ends.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		runWorker(workCtx, sp, &wk, queue.WorkerOptions{
			Target: target,
			Limits: queue.Limits{Connections: *conns, PerMinute: *perMinute, Window: *window},
			Logger: logger,
		}, logger)
	}()
	bg.Add(1)
	go func() {
		defer bg.Done()
		watchConfig(workCtx, p, *listen, r, logger)
	}()

	served := make(chan error, 1)
	go func() { served <- r.Serve() }()
	select {
	case err := <-served:
		logger.Error("relay stopped", "err", err)
		stopWork()
		bg.Wait()
		return exitFailure
	case <-ctx.Done():
	}
	logger.Info("stopping: no new connections; finishing the SMTP sessions in flight", "timeout", drain.String())
	dctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := r.Shutdown(dctx); err != nil {
		logger.Warn("sessions still open at the shutdown timeout were cut (their messages were not acknowledged)", "err", err)
	}
	<-served
	stopWork()
	bg.Wait()
	logger.Info("relay stopped", "queued", r.Accepted())
	return exitOK
}

// runWorker runs the delivery worker until ctx ends, waiting its turn
// while another process's worker holds the spool.
func runWorker(ctx context.Context, sp *queue.Spool, cur *atomic.Pointer[queue.Worker], o queue.WorkerOptions, log *slog.Logger) {
	toldLocked := false
	for ctx.Err() == nil {
		w := queue.NewWorker(sp, o)
		cur.Store(w)
		err := w.Run(ctx)
		switch {
		case err == nil:
			return
		case errors.Is(err, queue.ErrLocked):
			if !toldLocked {
				_, pid := sp.WorkerRunning()
				log.Info("another delivery worker holds the spool; it delivers, and this relay's worker takes over when it ends", "pid", pid)
				toldLocked = true
			}
			sleepOrDone(ctx, 2*time.Second)
		default:
			log.Error("delivery worker stopped; starting it again in 30 s", "err", err)
			sleepOrDone(ctx, 30*time.Second)
		}
	}
}

func sleepOrDone(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// watchConfig reloads the configuration when its file changes (the wizard
// saved): the From added to messages without one, and the mail-loop check.
// The worker reads the provider's settings itself before each session.
func watchConfig(ctx context.Context, path, listen string, r *relay.Relay, log *slog.Logger) {
	last := fileStamp(path)
	tick := time.NewTicker(relayReloadEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := fileStamp(path)
		if now == last {
			continue
		}
		last = now
		cfg, err := config.Load(path)
		if err != nil {
			log.Error("the changed configuration cannot be used; mail stays queued until it is fixed (run pimmail)", "config", path, "err", err)
			continue
		}
		hold := ""
		if err := relay.CheckLoop(ctx, listen, providerServer(cfg)); err != nil {
			hold = err.Error()
		} else if cfg.Enabled == config.ProviderNone {
			hold = "no provider is enabled in " + path + "; run pimmail (the setup wizard) to enable one"
		}
		r.SetHold(hold)
		r.SetDefaults(defaultFrom(cfg))
		if hold != "" {
			log.Error("configuration changed, but mail cannot go out with it: new messages are refused with 451 until it is fixed", "config", path, "reason", hold)
			continue
		}
		log.Info("configuration reloaded", "config", path, "provider", cfg.Enabled.Label(), "from", cfg.Email.From)
	}
}

// fileStamp tells a changed file: modification time and size.
type stamp struct {
	mod  time.Time
	size int64
}

func fileStamp(path string) stamp {
	st, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{st.ModTime(), st.Size()}
}

// providerServer is the server the enabled provider sends to.
func providerServer(c config.Config) relay.Server {
	switch c.Enabled {
	case config.ProviderEntra:
		return relay.Server{Host: c.Entra.SmartHost, Port: c.Entra.Port, Provider: c.Enabled.Label()}
	case config.ProviderRelay:
		return relay.Server{Host: c.Relay.Host, Port: c.Relay.Port, Provider: c.Enabled.Label()}
	case config.ProviderLocal:
		return relay.Server{Host: c.Local.Host, Port: c.Local.Port, Provider: c.Enabled.Label()}
	}
	return relay.Server{}
}

// defaultFrom is the display name and address of the From added to a
// message that has none and whose envelope has no sender, as pimmail send
// chooses it.
func defaultFrom(c config.Config) (name, addr string) {
	addr = c.Email.From
	if addr == "" && c.Enabled == config.ProviderEntra {
		addr = c.Entra.Mailbox
	}
	return c.Email.DisplayName, addr
}

// cmdRelayPasswd is `pimmail relay passwd USER`.
func cmdRelayPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("relay passwd", "pimmail relay passwd [--config PATH] [--delete] USER",
		"Sets the password of a local user of pimmail relay (for an application that logs\n"+
			"in with a username and password), or deletes the user. The password is read\n"+
			"without echo from the terminal (twice), or as one line from standard input; it\n"+
			"is stored as a bcrypt hash in relay-users beside the configuration (0600).\n"+
			"It is this server's password, never Microsoft's: the relay signs in to Exchange\n"+
			"Online with OAuth whatever the application says.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	del := fs.Bool("delete", false, "delete the user")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "pimmail relay passwd: name one user: pimmail relay passwd USER")
		return exitUsage
	}
	user := fs.Arg(0)
	p, err := configPath(*path, false)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return exitUsage
	}
	file := relay.UsersPath(p)
	if *del {
		if err := relay.DeleteUser(file, user); err != nil {
			fmt.Fprintln(stderr, "pimmail relay passwd:", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "Relay user %s deleted from %s.\n", user, file)
		return exitOK
	}
	if err := relay.ValidUsername(user); err != nil {
		fmt.Fprintln(stderr, "pimmail relay passwd:", err)
		return exitUsage
	}
	pw, err := readNewPassword(user, stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail relay passwd:", err)
		return exitUsage
	}
	if err := relay.SetPassword(file, user, pw); err != nil {
		fmt.Fprintln(stderr, "pimmail relay passwd:", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "Relay user %s saved in %s (bcrypt hash).\n"+
		"Configure the application with this username and password, server %s, port 2525 (or the relay's --listen).\n"+
		"A running relay uses it at the next login; no restart needed.\n", user, file, "127.0.0.1")
	return exitOK
}

// readNewPassword reads the password twice without echo from a terminal,
// else one line from stdin.
func readNewPassword(user string, stdin io.Reader, stderr io.Writer) ([]byte, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprintf(stderr, "Password for relay user %s: ", user)
		a, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(a, b) {
			return nil, errors.New("the two passwords differ; nothing was changed")
		}
		return a, nil
	}
	line, err := bufio.NewReader(stdin).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 {
		return nil, errors.New("no password on standard input (give it as one line, or run in a terminal)")
	}
	return line, nil
}
