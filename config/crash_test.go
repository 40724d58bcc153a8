package config

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

// crashChildEnv, when set to a config path, turns the test binary into the
// writer that TestCrashSafety kills: it writes versions of a large config to
// that path, one after the other, printing "wrote N" after each.
const crashChildEnv = "PIMMAIL_TEST_CRASH_WRITER"

// crashVersion is version n of a large configuration (about 300 kB, so a
// write takes long enough to be killed in the middle of it). Every byte
// depends on n, so a torn file cannot pass for a complete version.
func crashVersion(n int) Config {
	c := sample()
	tag := fmt.Sprintf("%09d", n)
	c.Email.DisplayName = "v" + tag + " " + strings.Repeat(tag, 32<<10)
	c.Entra.ClientSecret = secret.New("Abc8Q~secret.Value_" + tag)
	c.Local.Password = secret.New("local-password-" + tag)
	return c
}

// crashVersionOf reads n back from a loaded config.
func crashVersionOf(c Config) (int, bool) {
	tag, _, ok := strings.Cut(strings.TrimPrefix(c.Email.DisplayName, "v"), " ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(tag)
	return n, err == nil
}

// runCrashWriter is the child: it writes until it is killed (or, should
// the parent be gone, for at most a minute). It encodes the config once and
// then only swaps the version tag (all tags have 9 digits), so that its time
// goes into WriteFile and the kills land inside writes as often as possible;
// the parent checks every file against a fresh Marshal anyway.
func runCrashWriter(path string) {
	start, _ := strconv.Atoi(os.Getenv(crashChildEnv + "_START"))
	template, err := Marshal(crashVersion(start))
	if err != nil {
		fmt.Fprintln(os.Stderr, "marshal:", err)
		os.Exit(3)
	}
	tag := []byte(fmt.Sprintf("%09d", start))
	stop := time.Now().Add(time.Minute)
	for n := start; time.Now().Before(stop); n++ {
		data := bytes.ReplaceAll(template, tag, []byte(fmt.Sprintf("%09d", n)))
		if err := secfile.WriteFile(path, data); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(3)
		}
		fmt.Printf("wrote %d\n", n)
	}
	os.Exit(0)
}

// TestCrashSafety kills (SIGKILL) a process that keeps replacing the config
// with secfile.WriteFile, at random moments, 20 times. After every kill the
// config must load and be byte for byte one complete version: the last one
// the writer reported, or the one it was writing if its rename happened
// before the kill. At most one temporary file (the killed writer's) may be
// there: each writer's first replacement removes the earlier ones; after a
// final write none is left.
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		runCrashWriter(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns 20 writer processes")
	}
	dir := privateDir(t)
	path := filepath.Join(dir, "config.json")
	first, _ := Marshal(crashVersion(0))
	if err := secfile.WriteFile(path, first); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	const rounds = 20
	midWrite := 0 // kills that left a temp file, i.e. landed inside WriteFile
	for round := range rounds {
		start := (round + 1) * 1_000_000
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashChildEnv+"_START="+strconv.Itoa(start))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the first complete write (so this writer has swept the
		// earlier writers' temp files), then kill at a random moment.
		lines := bufio.NewScanner(out)
		last := -1
		if lines.Scan() {
			last = parseWrote(lines.Text())
		}
		if last < 0 {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: the writer wrote nothing: %q %s", round, lines.Text(), stderr.String())
		}
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Everything the writer printed before it died is still in the pipe.
		for lines.Scan() {
			if n := parseWrote(lines.Text()); n >= 0 {
				last = n
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the writer ended by itself (%v): %s", round, err, stderr.String())
		}

		c, err := Load(path)
		if err != nil {
			t.Fatalf("round %d: after the kill the config does not load: %v", round, err)
		}
		n, ok := crashVersionOf(c)
		if !ok {
			t.Fatalf("round %d: the config holds no version", round)
		}
		if n != last && n != last+1 {
			t.Fatalf("round %d: the config is version %d, but the writer had completed version %d", round, n, last)
		}
		want, _ := Marshal(crashVersion(n))
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: the file is not byte for byte version %d", round, n)
		}
		temps := 0
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			switch {
			case e.Name() == "config.json":
			case secfile.IsTemp(e.Name(), "config.json"):
				temps++
			default:
				t.Fatalf("round %d: unexpected file %s", round, e.Name())
			}
		}
		if temps > 1 {
			t.Fatalf("round %d: %d temporary files; earlier writers' should have been removed", round, temps)
		}
		midWrite += temps
	}
	t.Logf("%d of %d kills landed inside a write (left a temporary file)", midWrite, rounds)

	// One more save removes what the last kill left.
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("after a final Save the directory holds %d entries, want only config.json", len(entries))
	}
}

// parseWrote reads "wrote N"; -1 for any other line.
func parseWrote(line string) int {
	s, ok := strings.CutPrefix(line, "wrote ")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
