package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ParseError is a config file that is not valid: broken JSON, a value of the
// wrong type, an unknown setting or an unknown provider, cloud or TLS mode.
// Line and Column (1-based, columns in characters) point at the problem so
// the admin can fix the file by hand.
type ParseError struct {
	Path   string
	Line   int
	Column int
	Msg    string
	// Err is the underlying decoder or *ValueError, for errors.As.
	Err error
}

// Error says where the file is broken and what to do.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s, line %d, column %d: %s (fix the file, or let the wizard write a new one)",
		e.Path, e.Line, e.Column, e.Msg)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// decodeError turns a json decoding error into a *ParseError with a position.
func decodeError(path string, data []byte, err error) *ParseError {
	pe := &ParseError{Path: path, Line: 1, Column: 1, Err: err}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read up to and including the bad one.
		pe.Line, pe.Column = lineCol(data, int(syn.Offset)-1)
		pe.Msg = "this is not valid JSON: " + strings.TrimPrefix(syn.Error(), "json: ")
	case errors.As(err, &typ):
		pe.Line, pe.Column = lineCol(data, int(typ.Offset)-1)
		field := typ.Field
		// Point at the start of the offending value, not its end.
		if off, ok := valueOffset(data, strings.Split(field, ".")); field != "" && ok {
			pe.Line, pe.Column = lineCol(data, off)
		}
		if field == "" {
			pe.Msg = fmt.Sprintf("the settings must be a JSON object, not a %s", typ.Value)
		} else {
			pe.Msg = fmt.Sprintf("%q must be a %s, not a %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		pe.Line, pe.Column = lineCol(data, len(data))
		pe.Msg = "the file ends too early (a missing closing brace or quote?)"
	case strings.HasPrefix(err.Error(), `json: unknown field "`):
		name := strings.TrimSuffix(strings.TrimPrefix(err.Error(), `json: unknown field "`), `"`)
		if off, ok := keyOffset(data, name); ok {
			pe.Line, pe.Column = lineCol(data, off)
		}
		pe.Msg = fmt.Sprintf("%q is not a setting pimmail knows (a typo?)", name)
	default:
		pe.Msg = err.Error()
	}
	return pe
}

// jsonKind names a Go kind the way a person editing JSON thinks of it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "string":
		return "string"
	case kind == "bool":
		return "true or false"
	case kind == "struct", kind == "map":
		return "JSON object"
	}
	return kind
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[lineStart:])
}

// trailingData returns the offset of the first non-space byte at or after
// off, or -1 when only white space follows.
func trailingData(data []byte, off int64) int {
	for i := int(off); i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return i
		}
	}
	return -1
}

// walkKeys calls visit for every object key in data with its path, the
// offset of the key's opening quote and of its value. It stops when visit
// returns false or at the first syntax error (positions are best effort:
// they only serve error messages).
func walkKeys(data []byte, visit func(path []string, keyStart, valueStart int) bool) {
	type frame struct {
		object    bool
		expectKey bool
		key       string
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			case '}', ']':
				if n > 0 {
					stack = stack[:n-1]
				}
				valueDone()
			}
			continue
		}
		if n > 0 && stack[n-1].object && stack[n-1].expectKey {
			key, _ := tok.(string)
			end := int(dec.InputOffset())
			start := bytes.LastIndexByte(data[:max(0, end-1)], '"')
			stack[n-1].key, stack[n-1].expectKey = key, false
			path := make([]string, 0, n)
			for _, f := range stack {
				if f.object {
					path = append(path, f.key)
				} else {
					path = append(path, "[]")
				}
			}
			if !visit(path, max(0, start), skipColon(data, end)) {
				return
			}
			continue
		}
		valueDone()
	}
}

// skipColon returns the offset of the value after a key ending at off.
func skipColon(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// keyOffset finds the first key named name (at any depth).
func keyOffset(data []byte, name string) (int, bool) {
	found, at := false, 0
	walkKeys(data, func(path []string, keyStart, _ int) bool {
		if path[len(path)-1] == name {
			found, at = true, keyStart
			return false
		}
		return true
	})
	return at, found
}

// valueOffset finds the value of the setting at path. JSON keys match the
// struct fields case-insensitively, as encoding/json does; the last
// duplicate wins, as it does when decoding.
func valueOffset(data []byte, path []string) (int, bool) {
	found, at := false, 0
	walkKeys(data, func(p []string, _, valueStart int) bool {
		if len(p) == len(path) {
			match := true
			for i := range p {
				if !strings.EqualFold(p[i], path[i]) {
					match = false
					break
				}
			}
			if match {
				found, at = true, valueStart
			}
		}
		return true
	})
	return at, found
}
