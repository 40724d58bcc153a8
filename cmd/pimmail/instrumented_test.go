package main

import (
	"debug/buildinfo"
	"os"
	"path/filepath"
	"testing"
)

// TestBinaryIsRaceAndCoverInstrumented: the binary the command tests run
// is built with -race and -cover, and a run leaves coverage data in
// GOCOVERDIR, so command code is race-checked and measured too.
func TestBinaryIsRaceAndCoverInstrumented(t *testing.T) {
	bi, err := buildinfo.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range bi.Settings {
		got[s.Key] = s.Value
	}
	if got["-race"] != "true" || got["-cover"] != "true" {
		t.Fatalf("binary built with -race=%q -cover=%q, want both true", got["-race"], got["-cover"])
	}
	dir := os.Getenv("GOCOVERDIR")
	if dir == "" {
		t.Fatal("GOCOVERDIR is not set for the binary's runs")
	}
	if r := pimmail(t, "version"); r.code != 0 {
		t.Fatalf("pimmail version: %v", r)
	}
	meta, _ := filepath.Glob(filepath.Join(dir, "covmeta.*"))
	counters, _ := filepath.Glob(filepath.Join(dir, "covcounters.*"))
	if len(meta) == 0 || len(counters) == 0 {
		t.Errorf("no coverage data in %s after a run (meta %d, counters %d)", dir, len(meta), len(counters))
	}
}
