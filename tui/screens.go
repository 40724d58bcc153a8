package tui

import (
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// slot is a screen's place in the wizard's screens. The screens are kept
// in one array indexed by slot (an array, so the Model stays a value), in
// the manner of soft-serve's pane list: finding, storing and walking the
// screens needs no type switch. Adding a screen is one constant here, one
// line in newScreens and, when it has a step ID of its own, one entry in
// slotOf; steps.Sequence says where it comes in the wizard.
type slot int

const (
	slotProvider slot = iota
	slotIDs
	slotSecret
	slotLogon
	slotSmartHost
	slotRelayServer // the server step of the SMTP relay
	slotLocalServer // the server step of the local mail service
	slotCredentials
	slotTest
	slotEnable
	slotCount
)

// screens holds one screen per slot.
type screens [slotCount]step

// newScreens builds every screen from the loaded configuration.
func newScreens(start steps.Start, cfg config.Config, hints *steps.Hints) screens {
	return screens{
		slotProvider:    newProviderStep(start, hints != nil),
		slotIDs:         newIDsStep(cfg, hints),
		slotSecret:      newSecretStep(hints),
		slotLogon:       newSignInStep(),
		slotSmartHost:   newSmartHostStep(cfg, hints),
		slotRelayServer: newServerStep(config.ProviderRelay, cfg, hints),
		slotLocalServer: newServerStep(config.ProviderLocal, cfg, hints),
		slotCredentials: newCredentialsStep(cfg),
		slotTest:        newTestStep(cfg),
		slotEnable:      newEnableStep(start),
	}
}

// slotOfID is the slot of each step ID whose screen is the same for every
// provider.
var slotOfID = map[steps.ID]slot{
	steps.StepProvider:    slotProvider,
	steps.StepIDs:         slotIDs,
	steps.StepSecret:      slotSecret,
	steps.StepLogon:       slotLogon,
	steps.StepSmartHost:   slotSmartHost,
	steps.StepCredentials: slotCredentials,
	steps.StepTest:        slotTest,
	steps.StepEnable:      slotEnable,
}

// slotOf is the slot of step id for provider p: the server step has a
// screen per provider, so each keeps what was typed for it.
func slotOf(id steps.ID, p config.Provider) slot {
	if id == steps.StepServer {
		if p == config.ProviderLocal {
			return slotLocalServer
		}
		return slotRelayServer
	}
	if sl, ok := slotOfID[id]; ok {
		return sl
	}
	return slotProvider
}

// screenAt is the screen in slot sl as its own type. Each slot holds one
// type (newScreens puts it there, withStep stores it back from its own
// Update), so the assertion states an invariant.
func screenAt[S step](m Model, sl slot) S { return m.screens[sl].(S) }

// The screens the wizard asks about by name.
func (m Model) prov() providerStep     { return screenAt[providerStep](m, slotProvider) }
func (m Model) ids() idsStep           { return screenAt[idsStep](m, slotIDs) }
func (m Model) sec() secretStep        { return screenAt[secretStep](m, slotSecret) }
func (m Model) logon() logonStep       { return m.signIn().device }
func (m Model) signIn() signInStep     { return screenAt[signInStep](m, slotLogon) }
func (m Model) smart() smartHostStep   { return screenAt[smartHostStep](m, slotSmartHost) }
func (m Model) relaySrv() serverStep   { return screenAt[serverStep](m, slotRelayServer) }
func (m Model) localSrv() serverStep   { return screenAt[serverStep](m, slotLocalServer) }
func (m Model) creds() credentialsStep { return screenAt[credentialsStep](m, slotCredentials) }
func (m Model) test() testStep         { return screenAt[testStep](m, slotTest) }
func (m Model) enable() enableStep     { return screenAt[enableStep](m, slotEnable) }
