package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	cases := []struct {
		arg, keyword string
		addr         string
		params       []smtpParam
		err          error
	}{
		{"FROM:<pim@example.com>", "FROM", "pim@example.com", nil, nil},
		{"from:<pim@example.com>", "FROM", "pim@example.com", nil, nil},
		{"FROM: <pim@example.com>", "FROM", "pim@example.com", nil, nil},
		{"FROM:pim@example.com", "FROM", "pim@example.com", nil, nil},
		{"FROM:<>", "FROM", "", nil, nil},
		{"FROM:<pim@example.com> SIZE=1024 BODY=8BITMIME SMTPUTF8", "FROM", "pim@example.com",
			[]smtpParam{{"SIZE", "1024", true, "SIZE=1024"}, {"BODY", "8BITMIME", true, "BODY=8BITMIME"}, {"SMTPUTF8", "", false, "SMTPUTF8"}}, nil},
		{"TO:<@relay.example,@b.example:ops@example.com> notify=never", "TO", "ops@example.com",
			[]smtpParam{{"NOTIFY", "never", true, "notify=never"}}, nil},
		{`TO:<"a>b"@example.com>`, "TO", `"a>b"@example.com`, nil, nil},
		{"FROM<pim@example.com>", "FROM", "", nil, errPathSyntax},
		{"TO:<pim@example.com>", "FROM", "", nil, errPathSyntax},
		{"FROM:", "FROM", "", nil, errPathSyntax},
		{"FROM:<pim@example.com", "FROM", "", nil, errPathSyntax},
		{"FROM:<pim@example.com>SIZE=1", "FROM", "", nil, errPathSyntax},
		{"FROM:<a<b@example.com>", "FROM", "", nil, errPathSyntax},
		{"FROM:<pim@example.com> SIZE=", "FROM", "", nil, errParamSyntax},
		{"FROM:<pim@example.com> -X=1", "FROM", "", nil, errParamSyntax},
		{"FROM:<pim@example.com> X=a=b", "FROM", "", nil, errParamSyntax},
		{"FROM:<@relay.example>", "FROM", "", nil, errPathSyntax},
		{"FROM:<" + strings.Repeat("a", 250) + "@example.com>", "FROM", "", nil, errAddressSyntax},
	}
	for _, tc := range cases {
		addr, params, err := parsePath(tc.arg, tc.keyword)
		if !errors.Is(err, tc.err) || addr != tc.addr || len(params) != len(tc.params) {
			t.Errorf("parsePath(%q) = %q, %v, %v; want %q, %v, %v", tc.arg, addr, params, err, tc.addr, tc.params, tc.err)
			continue
		}
		for i := range params {
			if params[i] != tc.params[i] {
				t.Errorf("parsePath(%q) param %d = %+v, want %+v", tc.arg, i, params[i], tc.params[i])
			}
		}
	}
}

func TestValidateAddress(t *testing.T) {
	cases := []struct {
		addr string
		utf8 bool
		ok   bool
	}{
		{"pim@example.com", false, true},
		{"first.last+tag@sub.example.co.uk", false, true},
		{`"john doe"@example.com`, false, true},
		{`"a\"b"@example.com`, false, true},
		{"user@[192.0.2.1]", false, true},
		{"jörg@exämple.de", true, true},
		{"jörg@example.de", false, false},
		{"no-at-sign", false, false},
		{"@example.com", false, false},
		{"pim@", false, false},
		{"pim..x@example.com", false, false},
		{".pim@example.com", false, false},
		{"pim@-example.com", false, false},
		{"pim@exa_mple.com", false, false},
		{"pim@example..com", false, false},
		{"p im@example.com", false, false},
		{`"unterminated@example.com`, false, false},
		{strings.Repeat("a", 65) + "@example.com", false, false},
		{"pim@[]", false, false},
		{"pim@example.com\x00", false, false},
	}
	for _, tc := range cases {
		if err := validateAddress(tc.addr, tc.utf8); (err == nil) != tc.ok {
			t.Errorf("validateAddress(%q, utf8=%v) = %v, want ok=%v", tc.addr, tc.utf8, err, tc.ok)
		}
	}
}

func TestParseXOAUTH2(t *testing.T) {
	cases := []struct {
		raw         string
		user, token string
		ok          bool
	}{
		{"user=pim@example.com\x01auth=Bearer eyJ0.eyJ1.c2ln\x01\x01", "pim@example.com", "eyJ0.eyJ1.c2ln", true},
		{"auth=bearer tok\x01user=pim@example.com\x01\x01", "pim@example.com", "tok", true},
		{"user=pim@example.com\x01auth=Bearer tok\x01", "", "", false},    // one \x01 at the end
		{"user=pim@example.com\x01auth=Bearer tok", "", "", false},        // none
		{"user=pim@example.com\x01auth=Basic tok\x01\x01", "", "", false}, // not a bearer token
		{"user=pim@example.com\x01auth=Bearer\x01\x01", "", "", false},
		{"user=pim@example.com\x01auth=Bearer \x01\x01", "", "", false},
		{"user=\x01auth=Bearer tok\x01\x01", "", "", false},
		{"user=pim@example.com\x01\x01", "", "", false},
		{"auth=Bearer tok\x01\x01", "", "", false},
		{"user=a@b\x01user=c@d\x01auth=Bearer tok\x01\x01", "", "", false},
		{"user=a@b\x01auth=Bearer tok\x01auth=Bearer tok2\x01\x01", "", "", false},
		{"user=a@b\x01auth=Bearer tok\x01host=x\x01\x01", "", "", false},
		{"user=a b@c\x01auth=Bearer tok\x01\x01", "", "", false},
		{"user=a@b\x01auth=Bearer to k\x01\x01", "", "", false},
		{"\x01\x01", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range cases {
		user, token, err := parseXOAUTH2([]byte(tc.raw))
		if (err == nil) != tc.ok || user != tc.user || token != tc.token {
			t.Errorf("parseXOAUTH2(%q) = %q, %q, %v; want %q, %q, ok=%v", tc.raw, user, token, err, tc.user, tc.token, tc.ok)
		}
	}
	if _, _, err := decodeXOAUTH2("dXNlcj1hQGIBYXV0aD1CZWFyZXIgdG9rAQE"); err == nil {
		t.Error("unpadded base64 accepted")
	}
	if u, tok, err := decodeXOAUTH2(base64.StdEncoding.EncodeToString([]byte("user=a@b\x01auth=Bearer tok\x01\x01"))); err != nil || u != "a@b" || tok != "tok" {
		t.Errorf("decodeXOAUTH2 = %q, %q, %v", u, tok, err)
	}
}

func TestBDATArgs(t *testing.T) {
	cases := []struct {
		arg  string
		size int64
		last bool
		ok   bool
	}{
		{"0 LAST", 0, true, true},
		{"1024", 1024, false, true},
		{"17 last", 17, true, true},
		{"", 0, false, false},
		{"-1", 0, false, false},
		{"12 LAST more", 0, false, false},
		{"12 FIRST", 0, false, false},
		{"1234567890123456789", 0, false, false},
		{"+5", 0, false, false},
	}
	for _, tc := range cases {
		size, last, err := bdatArgs(tc.arg)
		if (err == nil) != tc.ok || size != tc.size || last != tc.last {
			t.Errorf("bdatArgs(%q) = %d, %v, %v", tc.arg, size, last, err)
		}
	}
}

func TestReadData(t *testing.T) {
	cases := []struct {
		wire, data string
		over       bool
	}{
		{"Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\r\n\r\nbody\r\n", false},
		{"..one\r\n...two\r\n.\r\n", ".one\r\n..two\r\n", false},
		{".\r\n", "", false},
		// Bare LF and bare CR around a dot do not end the message (no smuggling).
		{"a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", false},
		{"a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", false},
		{"a\r\n.x\r\n.\r\n", "a\r\nx\r\n", false},
		{strings.Repeat("x", 30) + "\r\n.\r\n", "", true},
	}
	for _, tc := range cases {
		// A 16-byte buffer makes ReadSlice split lines, as long lines do.
		data, over, err := readData(bufio.NewReaderSize(strings.NewReader(tc.wire+"NEXT\r\n"), 16), 20)
		if err != nil || string(data) != tc.data || over != tc.over {
			t.Errorf("readData(%q) = %q, %v, %v; want %q, %v", tc.wire, data, over, err, tc.data, tc.over)
		}
	}
	if _, _, err := readData(bufio.NewReader(strings.NewReader("no end\r\n")), 100); err == nil {
		t.Error("readData without the terminator returned no error")
	}
}

func TestReadLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader("EHLO a\r\nNOOP\n"+strings.Repeat("x", 40)+"\r\nQUIT\r\n"), 16)
	for _, want := range []string{"EHLO a", "NOOP"} {
		if got, err := readLine(r, 32); got != want || err != nil {
			t.Errorf("readLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := readLine(r, 32); !errors.Is(err, errLineTooLong) {
		t.Errorf("over-long line: %v", err)
	}
	if got, err := readLine(r, 32); got != "QUIT" || err != nil {
		t.Errorf("after an over-long line: %q, %v", got, err)
	}
}

// dotStuff encodes a body for DATA the way a client must (RFC 5321
// 4.5.2), ending it with CRLF if needed and the terminator.
func dotStuff(body []byte) []byte {
	var out bytes.Buffer
	lineStart := true
	for i := 0; i < len(body); i++ {
		if lineStart && body[i] == '.' {
			out.WriteByte('.')
		}
		out.WriteByte(body[i])
		lineStart = body[i] == '\n' && i > 0 && body[i-1] == '\r'
	}
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\r\n")) {
		out.WriteString("\r\n")
	}
	out.WriteString(".\r\n")
	return out.Bytes()
}
