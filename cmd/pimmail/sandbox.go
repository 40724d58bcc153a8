package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/hostport"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
)

// cmdSandbox is `pimmail sandbox`: the stand-in in the foreground until Ctrl+C.
func cmdSandbox(args []string, stdout, stderr io.Writer) int {
	defaultState := ""
	if p, err := config.DefaultSandboxPath(); err == nil {
		defaultState = config.SandboxDir(p)
	}
	fs := newFlags("sandbox", "pimmail sandbox [--cloud NAME] [--scenario NAME] [--list-scenarios] [--state-dir DIR] [--approve-after DUR]",
		"Runs the built-in stand-in for Microsoft Entra ID and Exchange Online (plus an\n"+
			"Exchange Online Protection style relay and a local SMTP sink) on 127.0.0.1 until\n"+
			"Ctrl+C, and prints what to paste into the wizard and where its CA certificate is,\n"+
			"so other tools (swaks, msmtp) can use it too. Nothing reaches Microsoft.\n"+
			"A scenario switches one failure on, to rehearse what a customer meets.\n"+
			"--cloud makes it play one Microsoft cloud only (its sign-in host, Exchange Online\n"+
			"resource and tenant); without it, it plays whichever cloud the wizard chooses.", stdout, stderr)
	cloudName := fs.String("cloud", "", "play one cloud only: "+cloudNames()+" (default: every cloud)")
	scenario := fs.String("scenario", "", "switch one failure on (see --list-scenarios)")
	list := fs.Bool("list-scenarios", false, "list the scenarios and exit")
	stateDir := fs.String("state-dir", defaultState, "where the CA, signing keys and received mail are kept")
	approveAfter := fs.Duration("approve-after", 1800*time.Millisecond,
		"how long the mailbox takes to approve a device code by itself; negative: never (approve on the device login page)")
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, sc := range sandbox.Scenarios {
			fmt.Fprintf(tw, "%s\t%s\n", sc.Name, sc.Summary)
		}
		_ = tw.Flush()
		return exitOK
	}
	if *stateDir == "" {
		fmt.Fprintln(stderr, "pimmail sandbox: cannot find your config directory; pass --state-dir DIR")
		return exitUsage
	}
	if *approveAfter == 0 {
		// The sandbox reads 0 as its default; "0s" here means at once.
		*approveAfter = time.Nanosecond
	}
	if a, ok := sandbox.Live(*stateDir); ok {
		fmt.Fprintln(stderr, "pimmail sandbox:", &sandbox.AlreadyRunningError{StateDir: *stateDir, Running: a,
			Why: "stop it first, or pass another --state-dir"})
		return exitUsage
	}
	run, err := sandbox.StartAnnounced(*stateDir, sandbox.Options{Scenario: *scenario, ApproveAfter: *approveAfter, Cloud: *cloudName})
	if err != nil {
		fmt.Fprintln(stderr, "pimmail sandbox:", err)
		return exitUsage
	}
	defer run.Close()
	sb := run.Own
	caPath, err := run.WriteCA()
	if err != nil {
		fmt.Fprintln(stderr, "pimmail sandbox: cannot write the CA certificate:", err)
		return exitFailure
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printSandbox(stdout, sb, *stateDir, caPath, *scenario, *cloudName, *approveAfter)
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nSandbox stopped.")
	return exitOK
}

// printSandbox prints what to paste into the wizard and how to reach the stand-ins.
func printSandbox(w io.Writer, sb *sandbox.Sandbox, stateDir, caPath, scenario, cloudName string, approveAfter time.Duration) {
	ep := sb.Endpoints()
	h := hintsFor(sb)
	fmt.Fprintln(w, "pimmail sandbox is running on 127.0.0.1: a stand-in for Microsoft Entra ID and Exchange Online.")
	fmt.Fprintln(w, "Nothing here reaches Microsoft; the secret below opens nothing outside this sandbox.")
	if scenario == "" {
		fmt.Fprintln(w, "Scenario:  none (everything works)")
	} else {
		for _, sc := range sandbox.Scenarios {
			if sc.Name == scenario {
				fmt.Fprintf(w, "Scenario:  %s: %s\n", sc.Name, sc.Summary)
			}
		}
	}
	printSandboxCloud(w, cloudName)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nWhat to paste into the wizard:")
	fmt.Fprintf(tw, "  Directory (tenant) ID\t%s\n", h.TenantID)
	fmt.Fprintf(tw, "    or the tenant domain\t%s\n", h.TenantDomain)
	fmt.Fprintf(tw, "  Application (client) ID\t%s\n", h.ClientID)
	fmt.Fprintf(tw, "  Client secret Value\t%s\n", h.ClientSecret)
	fmt.Fprintf(tw, "  Secret ID (the usual mistake)\t%s\n", h.SecretID)
	fmt.Fprintf(tw, "  Mailbox (signs in)\t%s\n", h.Mailbox)
	fmt.Fprintf(tw, "  Smart host\t%s (STARTTLS, AUTH XOAUTH2)\n", hostport.Join(ep.SMTPHost, ep.SMTPPort))
	fmt.Fprintf(tw, "  SMTP relay\t%s (STARTTLS, no AUTH; accepted domain %s)\n", hostport.Join(ep.RelayHost, ep.RelayPort), h.RelayDomain)
	fmt.Fprintf(tw, "  Local SMTP\t%s (like a default Postfix: STARTTLS offered, no AUTH)\n", hostport.Join(ep.LocalHost, ep.LocalPort))
	fmt.Fprintln(tw, "\nAround it:")
	fmt.Fprintf(tw, "  Entra ID authority\t%s/%s\n", ep.Authority, h.TenantID)
	approve := fmt.Sprintf("sign-ins are approved by themselves after %v", approveAfter)
	if approveAfter < 0 {
		approve = "approve each sign-in there by hand"
	}
	fmt.Fprintf(tw, "  Device login page\t%s/devicelogin (%s)\n", ep.Authority, approve)
	fmt.Fprintf(tw, "  CA certificate (PEM)\t%s\n", caPath)
	fmt.Fprintf(tw, "  Received mail (.eml)\t%s\n", filepath.Join(stateDir, "mail"))
	_ = tw.Flush()
	fmt.Fprintf(w, "\nTry another tool against it, e.g.:\n  swaks --server %s --port %d --tls --tls-ca-path %s --to someone@%s --from pim@%s\n",
		ep.RelayHost, ep.RelayPort, caPath, h.RelayDomain, h.RelayDomain)
	fmt.Fprintf(w, "\nWhile this runs, pimmail --sandbox, pimmail test --sandbox and pimmail status --sandbox use it\n"+
		"instead of starting a sandbox of their own, for the sandbox configuration %s.\n", filepath.Join(stateDir, config.FileName))
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}

// hintsFor are the sandbox's values: the well-known directory's constants
// and the ports it listens on now.
func hintsFor(sb *sandbox.Sandbox) *steps.Hints { return hintsFrom(sb.Endpoints()) }

// hintsFrom are the hints for a sandbox listening at ep.
func hintsFrom(ep sandbox.Endpoints) *steps.Hints {
	return &steps.Hints{
		TenantID:     sandbox.DefaultTenantID,
		TenantDomain: sandbox.DefaultTenantDomain,
		ClientID:     sandbox.DefaultClientID,
		ClientSecret: sandbox.DefaultClientSecret,
		SecretID:     sandbox.DefaultSecretID,
		Mailbox:      sandbox.DefaultMailbox,
		SmartHost:    ep.SMTPHost,
		SmartPort:    ep.SMTPPort,
		RelayHost:    ep.RelayHost,
		RelayPort:    ep.RelayPort,
		LocalHost:    ep.LocalHost,
		LocalPort:    ep.LocalPort,
		RelayDomain:  sandbox.RelayDomain,
	}
}

// commandSandbox opens the sandbox a sandbox configuration at path is
// used with, for `pimmail test` and `pimmail status`: the one a `pimmail
// sandbox` process runs for its state directory (whose scenario then
// applies, whatever --scenario says: it is the one the support engineer
// sees), else one of its own with the scenario asked for. It says which on
// out, and returns the environment and the sandbox to close.
func commandSandbox(path, scenario string, out io.Writer) (steps.Env, *sandbox.Running, error) {
	// Join whatever runs: the other process owns the scenario.
	sb, err := sandbox.Join(config.SandboxDir(path), sandbox.Options{Scenario: scenario})
	if err != nil {
		return steps.Env{}, nil, err
	}
	if sb.Own == nil {
		msg := fmt.Sprintf("Using the sandbox running in process %d (scenario %s)", sb.PID, orNoScenario(sb.Scenario))
		if scenario != "" && scenario != sb.Scenario {
			msg += "; its scenario is used, not --scenario " + scenario + " (stop it to rehearse another)"
		}
		fmt.Fprintln(out, msg+".")
	} else if scenario != "" {
		fmt.Fprintf(out, "Sandbox scenario: %s.\n", scenario)
	}
	return envOf(sb, path), sb, nil
}

// envOf is the steps environment for the config at path against the
// sandbox r: its authority, its CA as the only root, its values as hints.
func envOf(r *sandbox.Running, path string) steps.Env {
	return steps.Env{ConfigPath: path, Authority: r.Endpoints.Authority, RootCAs: r.RootCAs, Sandbox: hintsFrom(r.Endpoints)}
}

// orNoScenario names a scenario, or says there is none.
func orNoScenario(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// sandboxDelivery is the delivery worker's Target for a sandbox
// configuration. The sandbox it delivers into may run in another pimmail
// process (the `pimmail queue run` that `pimmail send` started, a `pimmail
// sandbox`); when that process ends, the next session joins the sandbox
// running then, or starts one in this process, instead of dialling a port
// nothing listens on any more until a restart.
type sandboxDelivery struct {
	path, scenario string
	log            *slog.Logger

	mu     sync.Mutex
	run    *sandbox.Running
	target func(ctx context.Context) (queue.Target, error)
	old    []*sandbox.Running
}

// newSandboxDelivery delivers through run (from commandSandbox) while it
// lives.
func newSandboxDelivery(path, scenario string, run *sandbox.Running, log *slog.Logger) *sandboxDelivery {
	return &sandboxDelivery{path: path, scenario: scenario, log: log, run: run,
		target: steps.DeliveryTarget(envOf(run, path))}
}

// Target is queue.WorkerOptions.Target.
func (d *sandboxDelivery) Target(ctx context.Context) (queue.Target, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.run.Own == nil {
		dir := config.SandboxDir(d.path)
		if a, ok := sandbox.Live(dir); !ok || a.PID != d.run.PID || a.Authority != d.run.Endpoints.Authority {
			gone := d.run.PID
			r, err := sandbox.Join(dir, sandbox.Options{Scenario: d.scenario})
			if err != nil {
				return queue.Target{}, fmt.Errorf("the sandbox process %d this worker delivered into ended, and no other can be started: %w", gone, err)
			}
			if d.log != nil {
				d.log.Info("the sandbox process ended; delivering into the sandbox running now",
					"ended_pid", gone, "pid", r.PID, "scenario", orNoScenario(r.Scenario))
			}
			d.old = append(d.old, d.run)
			d.run = r
			d.target = steps.DeliveryTarget(envOf(r, d.path))
		}
	}
	return d.target(ctx)
}

// Close stops the sandbox this process started, if it did.
func (d *sandboxDelivery) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.old {
		r.Close()
	}
	d.run.Close()
}
