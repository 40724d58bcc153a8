package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
)

// signInStep is step 4, "Mailbox sign-in": it holds the three sign-in
// methods' screens and shows the one chosen. The device code (logonStep)
// starts at once, as it always did, unless the saved configuration chose
// another method; m opens the list of methods, each with one line on what
// it needs and costs. When the device code is blocked (public client flows
// off, Conditional Access, device authentication required) its problem
// offers the other two with one key each.
type signInStep struct {
	method   config.SignInMethod
	choosing bool
	cursor   int
	entered  bool // a method was entered at least once in this run
	env      stepEnv
	device   logonStep
	code     authCodeStep
	app      appOnlyStep
	width    int
	height   int
}

// Keys of the sign-in step.
var (
	methodsKey    = key.NewBinding(key.WithKeys("m", "ctrl+o"), key.WithHelp("m", "other sign-in methods"))
	methodsTyping = key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "other sign-in methods"))
	pickCode      = key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "browser elsewhere, paste back"))
	pickApp       = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "app-only"))
	pickOne       = key.NewBinding(key.WithKeys("1", "2", "3"), key.WithHelp("1-3", "choose"))
)

func newSignInStep() signInStep {
	return signInStep{device: newLogonStep(), code: newAuthCodeStep(), app: newAppOnlyStep(), width: 78, height: 19}
}

// Enter implements step: the method saved in the configuration (the device
// code when none) is entered, or the one chosen earlier in this run.
func (s signInStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.env = env
	if !s.entered {
		s.method = env.cfg.Entra.Method.Normal()
		s.entered = true
	}
	if s.choosing {
		return s, nil
	}
	return s.enterMethod(s.method)
}

// enterMethod shows method m's screen and enters it.
func (s signInStep) enterMethod(m config.SignInMethod) (signInStep, tea.Cmd) {
	s.method, s.choosing = m, false
	env := s.env
	env.cfg.Entra.Method = m
	var cmd tea.Cmd
	var st step
	switch m {
	case config.MethodAuthCode:
		st, cmd = s.code.SetSize(s.width, s.childHeight()).Enter(env)
		s.code = st.(authCodeStep)
	case config.MethodAppOnly:
		st, cmd = s.app.SetSize(s.width, s.childHeight()).Enter(env)
		s.app = st.(appOnlyStep)
	default:
		st, cmd = s.device.SetSize(s.width, s.childHeight()).Enter(env)
		s.device = st.(logonStep)
	}
	return s, cmd
}

// child is the current method's screen.
func (s signInStep) child() step {
	switch s.method {
	case config.MethodAuthCode:
		return s.code
	case config.MethodAppOnly:
		return s.app
	}
	return s.device
}

// withChild stores the current method's screen back.
func (s signInStep) withChild(st step) signInStep {
	switch c := st.(type) {
	case authCodeStep:
		s.code = c
	case appOnlyStep:
		s.app = c
	case logonStep:
		s.device = c
	}
	return s
}

// childHeight leaves room for the line that offers the other methods.
func (s signInStep) childHeight() int { return max(4, s.height-2) }

// canSwitch reports whether another method may be chosen now: not while
// a check runs, except while a device code waits for the mailbox (the
// admin may give up on it).
func (s signInStep) canSwitch() bool {
	return !s.child().Running() || s.method == config.MethodDeviceCode && s.device.phase == logonWaiting
}

// blocked reports whether the device code failed in a way only another
// method gets around.
func (s signInStep) blocked() bool {
	if s.method != config.MethodDeviceCode || s.device.phase != logonFailed || s.device.problem.p == nil {
		return false
	}
	return diagnose.DeviceCodeBlocked(s.device.problem.p.Code)
}

// Update implements step.
func (s signInStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	if km, ok := msg.(tea.KeyMsg); ok {
		if s.choosing {
			return s.chooseKey(km)
		}
		if s.canSwitch() && (key.Matches(km, methodsTyping) || s.child().Input() == inputNone) {
			switch {
			case key.Matches(km, methodsKey):
				s.choosing = true
				s.cursor = max(0, indexOf(config.SignInMethods, s.method))
				return s, nil, stay
			case s.blocked() && key.Matches(km, pickCode):
				s, cmd := s.switchTo(config.MethodAuthCode)
				return s, cmd, stay
			case s.blocked() && key.Matches(km, pickApp):
				s, cmd := s.switchTo(config.MethodAppOnly)
				return s, cmd, stay
			}
		}
	}
	// While the list is open the method's checks (a device code still
	// polling) go on: their results are not lost.
	st, cmd, out := s.child().Update(msg)
	return s.withChild(st), cmd, out
}

// switchTo leaves the current method (its check cancelled) for m.
func (s signInStep) switchTo(m config.SignInMethod) (signInStep, tea.Cmd) {
	s = s.withChild(s.child().Cancel())
	return s.enterMethod(m)
}

func indexOf(list []config.SignInMethod, m config.SignInMethod) int {
	for i, x := range list {
		if x == m {
			return i
		}
	}
	return -1
}

// chooseKey moves through the list of methods.
func (s signInStep) chooseKey(km tea.KeyMsg) (step, tea.Cmd, outcome) {
	switch {
	case key.Matches(km, keys.Up):
		s.cursor = (s.cursor + len(config.SignInMethods) - 1) % len(config.SignInMethods)
	case key.Matches(km, keys.Down):
		s.cursor = (s.cursor + 1) % len(config.SignInMethods)
	case key.Matches(km, pickOne):
		s.cursor = int(km.Runes[0] - '1')
		fallthrough
	case key.Matches(km, keys.Enter):
		s, cmd := s.switchTo(config.SignInMethods[s.cursor])
		return s, cmd, stay
	}
	return s, nil, stay
}

// Undo implements undoer: esc closes the list of methods, else the
// current method's own undo.
func (s signInStep) Undo() (step, bool) {
	if s.choosing {
		s.choosing = false
		return s, true
	}
	if u, ok := s.child().(undoer); ok {
		if st, ok := u.Undo(); ok {
			return s.withChild(st), true
		}
	}
	return s, false
}

// View implements step.
func (s signInStep) View() string {
	if s.choosing {
		return s.chooserView()
	}
	body := s.child().View()
	var extra string
	switch {
	case s.blocked():
		extra = theme.warn.Render(wrap("The device code cannot work here. Press a to sign in with a browser elsewhere and paste back, or p for app-only (no user sign-in).", s.width))
	case s.canSwitch():
		k := "m"
		if s.child().Input() != inputNone {
			k = "ctrl+o"
		}
		extra = theme.faint.Render(wrap("Sign-in method: "+s.method.Short()+" · "+k+" for the other methods", s.width))
	}
	if extra == "" {
		return body
	}
	return strings.TrimRight(body, "\n") + "\n\n" + extra
}

// chooserView lists the methods, one line each on what they need and cost.
func (s signInStep) chooserView() string {
	lines := []string{wrap("How should the mailbox get its token? Each method needs its own settings in the app registration:", s.width), ""}
	for i, m := range config.SignInMethods {
		cursor, label := "  ", theme.value.Render(fmt.Sprintf("%d. %s", i+1, m.Label()))
		if i == s.cursor {
			cursor, label = theme.focus.Render("> "), theme.focus.Render(fmt.Sprintf("%d. %s", i+1, m.Label()))
		}
		lines = append(lines, cursor+label)
		lines = append(lines, theme.faint.Render(indent(wrap(m.Needs(), s.width-5), "     ")))
	}
	return strings.Join(lines, "\n")
}

// indent puts prefix before every line of text.
func indent(text, prefix string) string {
	return prefix + strings.ReplaceAll(text, "\n", "\n"+prefix)
}

// Apply implements step: the method's values, and the method itself.
func (s signInStep) Apply(c config.Config) config.Config {
	c = s.child().Apply(c)
	c.Entra.Method = s.method
	return c
}

// Running implements step.
func (s signInStep) Running() bool { return !s.choosing && s.child().Running() }

// Cancel implements step.
func (s signInStep) Cancel() step { return s.withChild(s.child().Cancel()) }

// SetSize implements step.
func (s signInStep) SetSize(w, h int) step {
	s.width, s.height = w, h
	s.device = s.device.SetSize(w, s.childHeight()).(logonStep)
	s.code = s.code.SetSize(w, s.childHeight()).(authCodeStep)
	s.app = s.app.SetSize(w, s.childHeight()).(appOnlyStep)
	return s
}

// Input implements step.
func (s signInStep) Input() inputKind {
	if s.choosing {
		return inputNone
	}
	return s.child().Input()
}

// AtFirst implements step.
func (s signInStep) AtFirst() bool { return s.choosing || s.child().AtFirst() }

// Touched implements step.
func (s signInStep) Touched() bool {
	return s.device.Touched() || s.code.Touched() || s.app.Touched()
}

// Commands implements step.
func (s signInStep) Commands() []string {
	if s.choosing {
		return nil
	}
	return s.child().Commands()
}

// ShortHelp implements help.KeyMap.
func (s signInStep) ShortHelp() []key.Binding {
	if s.choosing {
		return []key.Binding{withHelp(keys.Enter, "choose"), pickOne, keys.Up, keys.Down}
	}
	ks := s.child().ShortHelp()
	switch {
	case s.blocked():
		ks = append(ks, pickCode, pickApp)
	case s.canSwitch() && s.child().Input() != inputNone:
		ks = append(ks, methodsTyping)
	case s.canSwitch():
		ks = append(ks, methodsKey)
	}
	return ks
}

// FullHelp implements help.KeyMap.
func (s signInStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
