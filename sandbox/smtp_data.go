package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// errLineTooLong reports a command line over the limit; the line has been
// consumed up to and including its LF, so the session can go on.
var errLineTooLong = errors.New("command line too long")

// maxCommandLine bounds a command line, CRLF not counted: RFC 5321
// 4.5.3.1.4 allows 512 octets with it. The stand-ins are as strict as the
// standard, so a client that puts a whole Entra token on the AUTH line
// (2 to 4 KB) is refused here as by strict servers; RFC 4954 4 says such a
// client MUST send the response after the 334 instead.
const maxCommandLine = 512 - 2

// maxSASLResponse bounds a SASL response line (after a 334), CRLF not
// counted: RFC 4954 4 has servers take at least 12288 octets.
const maxSASLResponse = 12288

// readLine reads one line and returns it without its CRLF (a bare LF is
// tolerated, as Exchange and Postfix do for commands). A line longer than
// max is read to its end and reported as errLineTooLong.
func readLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	tooLong := false
	for {
		frag, err := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > max+2 { // +2: the CRLF does not count
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		switch {
		case err == nil:
			if tooLong {
				return "", errLineTooLong
			}
			buf = bytes.TrimSuffix(buf, []byte("\n"))
			buf = bytes.TrimSuffix(buf, []byte("\r"))
			return string(buf), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return "", err
		}
	}
}

// readData reads a DATA body up to the "CRLF . CRLF" terminator and undoes
// dot-stuffing (RFC 5321 4.5.2). Only a dot line after a CRLF ends the
// message: "LF . LF" and "CR . CR" are data (no SMTP smuggling). When the
// body exceeds limit octets the rest is read and dropped and over is true,
// so the session stays in step with the client.
func readData(r *bufio.Reader, limit int64) (data []byte, over bool, err error) {
	var buf bytes.Buffer
	lineStart := true // DATA's own line ended just before the body
	var prevLast byte = '\n'
	for {
		frag, err := r.ReadSlice('\n')
		full := err == nil
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, false, err
		}
		raw := frag
		if lineStart {
			if bytes.Equal(frag, []byte(".\r\n")) {
				if over {
					return nil, true, nil
				}
				return buf.Bytes(), false, nil
			}
			if len(frag) > 0 && frag[0] == '.' {
				frag = frag[1:]
			}
		}
		if !over {
			if int64(buf.Len()+len(frag)) > limit {
				over = true
				buf = bytes.Buffer{}
			} else {
				buf.Write(frag)
			}
		}
		// The next fragment starts a line only after a CRLF; the CR may sit
		// at the end of the previous fragment when the buffer split there.
		switch {
		case !full:
			lineStart = false
		case len(raw) >= 2:
			lineStart = raw[len(raw)-2] == '\r'
		default: // raw is just "\n"
			lineStart = prevLast == '\r'
		}
		if len(raw) > 0 {
			prevLast = raw[len(raw)-1]
		}
	}
}

// readChunk reads exactly size octets of a BDAT chunk (RFC 3030) and
// appends them to buf unless that would pass limit; then it drops them and
// reports over. The octets are always consumed, whatever the reply will be.
func readChunk(r *bufio.Reader, buf *bytes.Buffer, size, limit int64) (over bool, err error) {
	if int64(buf.Len())+size > limit {
		_, err := io.CopyN(io.Discard, r, size)
		return true, err
	}
	_, err = io.CopyN(buf, r, size)
	return false, err
}
