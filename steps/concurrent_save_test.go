package steps_test

import (
	"sync"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// localDraft is a complete Local SMTP draft with From from.
func localDraft(start steps.Start, from string) config.Config {
	c := start.Config
	c.Email.From = from
	c.Local = config.SMTP{Host: "localhost", Port: 25, TLS: config.TLSNone}
	return c
}

// TestSaveRefusesAFileChangedSinceOpen: two wizards on one file: the one
// that saves second would silently drop the first one's settings, so it
// is refused, and the file keeps the first one's.
func TestSaveRefusesAFileChangedSinceOpen(t *testing.T) {
	path := configPath(t)
	a, startA := steps.Open(steps.Env{ConfigPath: path})
	b, startB := steps.Open(steps.Env{ConfigPath: path})
	if _, err := a.Save(localDraft(startA, "a@contoso.com"), config.ProviderLocal, false); err != nil {
		t.Fatal(err)
	}
	before := fileBytes(t, path)
	_, err := b.Save(localDraft(startB, "b@contoso.com"), config.ProviderLocal, false)
	problemCode(t, err, steps.CodeChangedSince)
	sameFile(t, path, before, "after the refused save")
	// The run that saved may save again: its own write is what it last saw.
	if _, err := a.Save(localDraft(startA, "a2@contoso.com"), config.ProviderLocal, false); err != nil {
		t.Errorf("a second save of the same run: %v", err)
	}
}

// TestConcurrentSavesOneWins: wizards opened together and saving at once:
// exactly one save goes through (the lock makes compare and write one
// step); the others are refused, none is lost silently.
func TestConcurrentSavesOneWins(t *testing.T) {
	for round := 0; round < 20; round++ {
		path := configPath(t)
		const n = 6
		runs := make([]*steps.Run, n)
		starts := make([]steps.Start, n)
		for i := range runs {
			runs[i], starts[i] = steps.Open(steps.Env{ConfigPath: path})
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = runs[i].Save(localDraft(starts[i], "pim@contoso.com"), config.ProviderLocal, false)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of %d concurrent saves went through, want exactly 1", round, ok, n)
		}
	}
}
