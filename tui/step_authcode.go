package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// authPhase is where the authorization-code sign-in is.
type authPhase int

const (
	authIdle      authPhase = iota // cancelled or not started
	authStarting                   // building the sign-in address
	authWaiting                    // address shown; paste field open, listener waiting
	authRedeeming                  // redeeming the pasted (or caught) address
	authSignedIn                   // done
	authFailed                     // the problem is shown
)

// caughtMsg is the listener's catch, tagged like a check result.
type caught struct{ addr string }

// authCodeStep is step 4 with the authorization code: pimmail shows the
// sign-in address, the admin opens it on any device and signs in as the
// mailbox, the browser lands on http://localhost:PORT (which does not load
// there) and the admin pastes that address back. With ssh -L PORT:localhost:PORT
// the browser reaches pimmail's own listener and nothing needs pasting.
type authCodeStep struct {
	info    steps.Info
	run     *steps.Run
	cfg     config.Config
	phase   authPhase
	check   checker // start, then redeem
	catch   checker // the listener's wait, beside the paste field
	logon   steps.AuthCodeLogon
	signed  steps.SignedIn
	paste   textinput.Model
	problem problemBox
	touched bool
	pos     scrollPos
	width   int
	height  int
}

// redirectPort is the port the sign-in comes back to; 0 is
// auth.DefaultRedirectPort (tests pick a free one).
var redirectPort = 0

func newAuthCodeStep() authCodeStep {
	ti := textinput.New()
	ti.Prompt = "> "
	ti.Placeholder = "paste the address the browser landed on (http://localhost:…)"
	ti.CharLimit = 16 << 10
	// The address holds the authorization code: shown masked, as a secret.
	ti.EchoMode = textinput.EchoPassword
	ti.EchoCharacter = '•'
	return authCodeStep{check: newChecker(steps.StepLogon), catch: newChecker(steps.StepLogon), paste: ti, width: 78, height: 17}
}

// Enter implements step: a sign-in for the same app is kept; otherwise a
// new sign-in address is made.
func (s authCodeStep) Enter(env stepEnv) (step, tea.Cmd) {
	same := identity(s.cfg.Entra) == identity(env.cfg.Entra) && s.run == env.run
	s.info, s.run, s.cfg = env.info, env.run, env.cfg
	if same && (s.phase == authSignedIn || s.phase == authWaiting || s.phase == authRedeeming) {
		return s, nil
	}
	return s.start()
}

// start makes a fresh sign-in address (the old listener is closed).
func (s authCodeStep) start() (authCodeStep, tea.Cmd) {
	s.logon.Close()
	s.catch = s.catch.stop()
	s.phase, s.problem, s.logon, s.pos = authStarting, problemBox{}, steps.AuthCodeLogon{}, scrollPos{}
	s.paste.Reset()
	e, run, port := s.cfg.Entra, s.run, redirectPort
	var cmd tea.Cmd
	s.check, cmd = startCheck(s.check, "Preparing the sign-in address…", func(ctx context.Context) (steps.AuthCodeLogon, error) {
		return run.StartAuthCode(ctx, e, port)
	})
	return s, cmd
}

// Update implements step.
func (s authCodeStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.key(msg)
	case done[steps.AuthCodeLogon]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			return s.failed(msg.err), nil, stay
		}
		s.logon, s.phase, s.touched = msg.val, authWaiting, true
		s.paste.Focus()
		lg := s.logon
		var cmd tea.Cmd
		s.catch, cmd = startCheck(s.catch, "", func(ctx context.Context) (caught, error) {
			addr, err := lg.Caught(ctx)
			return caught{addr}, err
		})
		return s, tea.Batch(cmd, textinput.Blink), stay
	case done[caught]:
		var ok bool
		if s.catch, ok = s.catch.accept(msg); !ok || msg.err != nil || s.phase != authWaiting {
			return s, nil, stay
		}
		return s.redeem(msg.val.addr)
	case done[steps.SignedIn]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			if p := problemOf(msg.err, s.cfg.Entra.ClientSecret); p != nil && (p.Code == diagnose.AuthCodeBadPaste || p.Code == diagnose.AuthCodeStateMismatch) {
				// Nothing was spent: the sign-in still waits for its own
				// address (a paste cut short, an older attempt's address).
				s.phase, s.problem = authWaiting, s.problem.set(p)
				s.paste.Reset()
				s.paste.Focus()
				lg := s.logon
				var cmd tea.Cmd
				s.catch, cmd = startCheck(s.catch, "", func(ctx context.Context) (caught, error) {
					addr, err := lg.Caught(ctx)
					return caught{addr}, err
				})
				return s, cmd, stay
			}
			return s.failed(msg.err), nil, stay
		}
		s.logon.Close()
		s.signed, s.phase, s.problem = msg.val, authSignedIn, problemBox{}
		return s, nil, stay
	}
	var cmd, pcmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	if s.phase == authWaiting {
		s.paste, pcmd = s.paste.Update(msg)
	}
	return s, tea.Batch(cmd, pcmd), stay
}

// redeem takes the address's code.
func (s authCodeStep) redeem(addr string) (step, tea.Cmd, outcome) {
	s.phase = authRedeeming
	s.catch = s.catch.stop()
	run, lg := s.run, s.logon
	var cmd tea.Cmd
	s.check, cmd = startCheck(s.check, "Redeeming the sign-in with Entra ID…", func(ctx context.Context) (steps.SignedIn, error) {
		return run.RedeemAuthCode(ctx, lg, addr)
	})
	return s, cmd, stay
}

// failed shows the problem; the listener is stopped (r starts afresh).
func (s authCodeStep) failed(err error) authCodeStep {
	s.logon.Close()
	s.catch = s.catch.stop()
	s.phase, s.pos = authFailed, scrollPos{}
	s.problem = s.problem.set(problemOf(err, s.cfg.Entra.ClientSecret))
	return s
}

// freshKey starts a new sign-in; a letter only while no field has the focus.
func freshKey(typing bool) key.Binding { return letterKey("r", "new sign-in", typing) }

func (s authCodeStep) key(km tea.KeyMsg) (step, tea.Cmd, outcome) {
	if pos, ok := s.layout().scroll(km, s.phase != authWaiting); ok {
		s.pos = pos
		return s, nil, stay
	}
	typing := s.Input() != inputNone
	switch {
	case key.Matches(km, freshKey(typing)) && s.phase != authStarting && s.phase != authRedeeming:
		st, cmd := s.start()
		st.touched = true
		return st, cmd, stay
	case key.Matches(km, keys.Enter):
		switch s.phase {
		case authSignedIn:
			return s, nil, next
		case authFailed, authIdle:
			st, cmd := s.start()
			return st, cmd, stay
		case authWaiting:
			if strings.TrimSpace(s.paste.Value()) == "" {
				return s, nil, stay
			}
			return s.redeem(s.paste.Value())
		}
	case key.Matches(km, detailsKey(typing)):
		s.problem, s.pos = s.problem.toggleDetails()
		return s, nil, stay
	}
	if s.phase == authWaiting {
		var cmd tea.Cmd
		s.paste, cmd = s.paste.Update(km)
		return s, cmd, stay
	}
	return s, nil, stay
}

// urlLines breaks the address into lines of width characters exactly, so
// a terminal's copy (or a join of the lines) gives it back whole.
func urlLines(u string, width int) string {
	width = max(20, width)
	var b strings.Builder
	for len(u) > width {
		b.WriteString(u[:width] + "\n")
		u = u[width:]
	}
	b.WriteString(u)
	return b.String()
}

func (s authCodeStep) layout() arranged {
	help := "Sign in on any device with a browser: open the address, sign in as the mailbox that will send PIM mail (not as yourself), then copy the address the browser lands on (it starts with http://localhost and does not load) and paste it here."
	if s.phase == authWaiting || s.phase == authRedeeming {
		help = ""
	}
	return arrange(help, "?", s.width, s.height, s.pos, func(d detail) (string, string) { return "", s.rest(d.compact) })
}

func (s authCodeStep) rest(compact bool) string {
	switch s.phase {
	case authStarting:
		return s.check.view(s.width)
	case authWaiting, authRedeeming:
		port := strings.TrimPrefix(s.logon.RedirectURI, "http://localhost:")
		lines := []string{
			wrap("1. Open this address on any device, sign in as the mailbox:", s.width),
			theme.value.Render(urlLines(s.logon.URL, s.width)),
			wrap("2. Paste the address the browser lands on (http://localhost:"+port+"/?code=…):", s.width),
			s.paste.View(),
		}
		if s.logon.Listening && !compact {
			lines = append(lines, theme.faint.Render(wrap("With ssh -L "+port+":localhost:"+port+" to this server, the browser reaches pimmail and nothing needs pasting.", s.width)))
		}
		if s.phase == authRedeeming {
			lines = append(lines, s.check.view(s.width))
		}
		if s.problem.p != nil && s.phase == authWaiting {
			return joinBlocks(strings.Join(lines, "\n"), s.problem.view(s.width))
		}
		return strings.Join(lines, "\n")
	case authSignedIn:
		return joinBlocks(theme.ok.Render(wrap("✓ Signed in as "+printable(s.signed.Mailbox)+" (authorization code)", s.width))+"\n"+
			theme.ok.Render(wrap("✓ The token allows SMTP.Send for "+printable(s.signed.Audience)+"; the client secret renews it.", s.width)),
			theme.faint.Render(wrap("Press enter to continue, or ctrl+r to sign in again.", s.width)))
	case authFailed:
		return joinBlocks(s.problem.view(s.width), theme.faint.Render(wrap("Press enter or ctrl+r for a new sign-in address.", s.width)))
	}
	return wrap("Sign-in cancelled. Press enter for a new sign-in address, or esc to go back.", s.width)
}

// View implements step.
func (s authCodeStep) View() string { return s.layout().text }

// Apply implements step.
func (s authCodeStep) Apply(c config.Config) config.Config {
	c.Entra.Mailbox = s.signed.Mailbox
	return c
}

// Running implements step: the listener's wait is not a running check;
// esc while the address is shown leaves the step.
func (s authCodeStep) Running() bool { return s.check.running() }

// Cancel implements step.
func (s authCodeStep) Cancel() step {
	s.check = s.check.stop()
	s.catch = s.catch.stop()
	s.logon.Close()
	if s.phase != authSignedIn {
		s.phase = authIdle
	}
	return s
}

// SetSize implements step.
func (s authCodeStep) SetSize(w, h int) step {
	s.width, s.height = w, h
	s.paste.Width = max(10, w-4)
	return s
}

// Input implements step: the paste field takes any text.
func (s authCodeStep) Input() inputKind {
	if s.phase == authWaiting {
		return inputFree
	}
	return inputNone
}

// AtFirst implements step.
func (s authCodeStep) AtFirst() bool { return true }

// Touched implements step.
func (s authCodeStep) Touched() bool { return s.touched }

// Commands implements step: the sign-in address is what the copy key
// copies while it is shown; a problem's commands otherwise.
func (s authCodeStep) Commands() []string {
	switch s.phase {
	case authWaiting:
		return []string{s.logon.URL}
	case authFailed:
		return s.problem.commands()
	}
	return nil
}

// ShortHelp implements help.KeyMap.
func (s authCodeStep) ShortHelp() []key.Binding {
	switch s.phase {
	case authWaiting:
		return []key.Binding{withHelp(keys.Enter, "use the pasted address"), freshKey(true)}
	case authSignedIn:
		return []key.Binding{withHelp(keys.Enter, "continue"), freshKey(false)}
	case authFailed, authIdle:
		ks := []key.Binding{withHelp(keys.Enter, "new sign-in")}
		if s.problem.hasRaw() {
			ks = append(ks, detailsKey(false))
		}
		return ks
	}
	return nil
}

// FullHelp implements help.KeyMap.
func (s authCodeStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
