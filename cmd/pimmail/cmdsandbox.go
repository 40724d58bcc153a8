package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
)

// checkScenarioFlag refuses --scenario for a configuration that is not a
// sandbox one (it would change nothing), and an unknown scenario name.
func checkScenarioFlag(cmd, scenario string, cfg config.Config, stderr io.Writer) bool {
	if scenario == "" {
		return true
	}
	if !cfg.Sandbox {
		fmt.Fprintf(stderr, "pimmail %s: --scenario works only with a sandbox configuration (made with pimmail --sandbox);\n"+
			"this one talks to the real services.\n", cmd)
		return false
	}
	if names := sandbox.ScenarioNames(); !slices.Contains(names, scenario) {
		fmt.Fprintf(stderr, "pimmail %s: unknown scenario %q; the scenarios are: %s\n", cmd, scenario, strings.Join(names, ", "))
		return false
	}
	return true
}

// commandSandbox opens the sandbox a sandbox configuration at path is
// used with, for `pimmail test` and `pimmail status`: the one a `pimmail
// sandbox` process runs for its state directory (whose scenario then
// applies, whatever --scenario says: it is the one the support engineer
// sees), else one of its own with the scenario asked for. It says which on
// out, and returns the environment and the sandbox to close.
func commandSandbox(path, scenario string, out io.Writer) (steps.Env, *sandboxRun, error) {
	stateDir := config.SandboxDir(path)
	var sb *sandboxRun
	var err error
	if rf, running := liveRunning(stateDir); running {
		// Attach whatever it runs: the other process owns the scenario.
		sb, err = attachSandbox(stateDir, rf)
	} else {
		sb, err = startSandbox(stateDir, sandbox.Options{Scenario: scenario})
	}
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
	return sb.Env(path), sb, nil
}

// cachedTokenNote explains, when scenario makes the saved sign-in fail
// (refresh-revoked, refresh-inactive) but the access token came from the
// cache still valid, why nothing fails yet and when it will: Entra ID is
// asked only to renew the token, and Exchange Online keeps accepting an
// issued token until it expires, as after a real password reset. "" when
// there is nothing to explain.
func cachedTokenNote(scenario string, ts steps.TokenStatus) string {
	if scenario != "refresh-revoked" && scenario != "refresh-inactive" || !ts.Cached || ts.ExpiresOn.IsZero() {
		return ""
	}
	return fmt.Sprintf("Note: scenario %s: the failure shows once the saved access token expires at %s "+
		"(pimmail renews it from 5 minutes before). Until then Exchange Online keeps accepting the token "+
		"already issued, as after a real password reset.", scenario, ts.ExpiresOn.Local().Format("2006-01-02 15:04 MST"))
}

func orNoScenario(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
