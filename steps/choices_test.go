package steps

import (
	"errors"
	"slices"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
)

func TestTLSModes(t *testing.T) {
	if got := TLSModes(config.ProviderRelay); !slices.Equal(got, []config.TLSMode{config.TLSNone, config.TLSStartTLS, config.TLSImplicit}) {
		t.Errorf("relay: %v", got)
	}
	if got := TLSModes(config.ProviderLocal); slices.Contains(got, config.TLSImplicit) || len(got) != 2 {
		t.Errorf("local SMTP offers %v", got)
	}
	if got := TLSModes(config.ProviderEntra); got != nil {
		t.Errorf("entra: %v", got)
	}
}

func TestSavedSignInUsable(t *testing.T) {
	saved := config.Entra{Cloud: "global", TenantID: "Contoso.com", ClientID: "ABC", Mailbox: "pim@contoso.com"}
	now := config.Entra{Cloud: "", TenantID: "contoso.com", ClientID: "abc"}
	if !SavedSignInUsable(saved, now) {
		t.Error("the same tenant and app (other case, default cloud) is not the same identity")
	}
	for name, e := range map[string]config.Entra{
		"other tenant": {TenantID: "fabrikam.com", ClientID: "abc"},
		"other app":    {TenantID: "contoso.com", ClientID: "def"},
		"other cloud":  {Cloud: "usgov", TenantID: "contoso.com", ClientID: "abc"},
	} {
		if SavedSignInUsable(saved, e) {
			t.Errorf("%s: the saved sign-in is offered", name)
		}
	}
	saved.Mailbox = ""
	if SavedSignInUsable(saved, now) {
		t.Error("a sign-in without a mailbox is offered")
	}
}

func TestCheckCredentials(t *testing.T) {
	var fe *FieldError
	if err := CheckCredentials("", secret.New("pw")); !errors.As(err, &fe) || fe.Field != "Username" {
		t.Errorf("password without username: %v", err)
	}
	if err := CheckCredentials("user", ""); !errors.As(err, &fe) || fe.Field != "Password" {
		t.Errorf("username without password: %v", err)
	}
	if CheckCredentials("", "") != nil || CheckCredentials("user", secret.New("pw")) != nil {
		t.Error("a complete (or empty) pair is refused")
	}
}
