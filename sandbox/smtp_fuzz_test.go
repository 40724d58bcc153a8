package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzXOAUTH2 feeds arbitrary bytes to the XOAUTH2 decoder: it must never
// panic, and whatever it accepts must be exactly reproducible: encoding
// the user and token again gives a response that decodes to the same pair.
func FuzzXOAUTH2(f *testing.F) {
	for _, seed := range []string{
		"user=pim@example.com\x01auth=Bearer eyJ0.eyJ1.c2ln\x01\x01",
		"auth=Bearer tok\x01user=pim@example.com\x01\x01",
		"user=pim@example.com\x01auth=Bearer tok\x01",
		"user=\x01auth=Bearer \x01\x01",
		"user=a\x01user=b\x01auth=Bearer t\x01\x01",
		"\x01\x01", "", "=\x01=\x01\x01",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		user, token, err := parseXOAUTH2(raw)
		b64 := base64.StdEncoding.EncodeToString(raw)
		user2, token2, err2 := decodeXOAUTH2(b64)
		if (err == nil) != (err2 == nil) || user != user2 || token != token2 {
			t.Fatalf("base64 layer changed the result: %q %q %v vs %q %q %v", user, token, err, user2, token2, err2)
		}
		if err != nil {
			if user != "" || token != "" {
				t.Fatalf("error with values %q %q", user, token)
			}
			return
		}
		if user == "" || token == "" || strings.ContainsAny(user+token, "\x00\x01 \r\n") {
			t.Fatalf("accepted unsafe values %q %q", user, token)
		}
		u, tok, err := parseXOAUTH2([]byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01"))
		if err != nil || u != user || tok != token {
			t.Fatalf("round trip of %q %q gave %q %q %v", user, token, u, tok, err)
		}
	})
}

// FuzzCommandLine feeds arbitrary command lines to the command, path,
// parameter, address and BDAT parsers: no panic, and an accepted path
// comes back the same when written out canonically.
func FuzzCommandLine(f *testing.F) {
	for _, seed := range []string{
		"MAIL FROM:<pim@example.com> BODY=8BITMIME SMTPUTF8",
		"RCPT TO:<@a,@b:ops@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ops@example.com",
		`RCPT TO:<"a>b\"c"@example.com>`,
		"MAIL FROM:<>", "MAIL FROM:pim@example.com SIZE=10", "mail from:<x@[192.0.2.1]>",
		"BDAT 100 LAST", "AUTH XOAUTH2 dXNlcj0=", "EHLO", "RCPT TO:<<>>", "MAIL FROM:<\"\\",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd := parseCommand(line)
		if cmd.Verb != strings.ToUpper(cmd.Verb) {
			t.Fatalf("verb %q not upper-cased", cmd.Verb)
		}
		_, _, _ = bdatArgs(cmd.Arg)
		for _, kw := range []string{"FROM", "TO"} {
			addr, params, err := parsePath(cmd.Arg, kw)
			if err != nil {
				continue
			}
			_ = validateAddress(addr, true)
			_ = addressDomain(addr)
			if len(addr)+2 > maxPathLen {
				t.Fatalf("over-long path %q accepted", addr)
			}
			var sb strings.Builder
			sb.WriteString(kw + ":<" + addr + ">")
			for _, p := range params {
				if !isESMTPKeyword(p.Key) {
					t.Fatalf("bad keyword %q accepted", p.Key)
				}
				sb.WriteString(" " + p.Key)
				if p.HasEq {
					sb.WriteString("=" + p.Value)
				}
			}
			if strings.HasPrefix(addr, "@") {
				continue // a source route inside the path is dropped, not re-parsed
			}
			addr2, params2, err := parsePath(sb.String(), kw)
			if err != nil || addr2 != addr || len(params2) != len(params) {
				t.Fatalf("%q -> %q %v -> %q: %q %v %v", cmd.Arg, addr, params, sb.String(), addr2, params2, err)
			}
		}
	})
}

// FuzzDotStuffing: any body, dot-stuffed and terminated as a client must,
// reads back unchanged (plus the CRLF a body must end with), whatever the
// line lengths and however the reader's buffer splits them.
func FuzzDotStuffing(f *testing.F) {
	for _, seed := range []string{
		"Subject: a\r\n\r\nbody\r\n", ".\r\n..\r\n.x\r\n", "a\n.\nb", "\r\n.\r\n", "a\r.\r", "", ".", "\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want := body
		if len(body) > 0 && !bytes.HasSuffix(body, []byte("\r\n")) {
			want = append(bytes.Clone(body), '\r', '\n')
		}
		wire := append(dotStuff(body), "QUIT\r\n"...)
		r := bufio.NewReaderSize(bytes.NewReader(wire), 16)
		got, over, err := readData(r, int64(len(want)))
		if err != nil || over || !bytes.Equal(got, want) {
			t.Fatalf("body %q: got %q over=%v err=%v", body, got, over, err)
		}
		if next, err := readLine(r, 100); next != "QUIT" || err != nil {
			t.Fatalf("after the body: %q %v", next, err)
		}
		if len(want) > 0 {
			if _, over, err := readData(bufio.NewReaderSize(bytes.NewReader(wire), 16), int64(len(want)-1)); err != nil || !over {
				t.Fatalf("one octet over the limit not reported (over=%v, err=%v)", over, err)
			}
		}
	})
}
