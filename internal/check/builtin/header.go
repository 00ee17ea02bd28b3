package builtin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/textproto"
	"strings"
)

// field is one header field, its continuation lines unfolded: value is
// the first line's body, more the continuation lines' (joined once the
// header is read: appending to value line by line cost time quadratic in
// the number of lines).
type field struct {
	name, value string
	more        []string
}

// header is a header as read, with what breaks RFC 5322 in it.
type header struct {
	fields  []field
	badLine int  // number of the first line that is no field, 0 if none
	nul     bool // a NUL byte
}

// readHeader reads header lines up to the empty line that ends them (or
// the end of r), at most maxHeaderBytes. It fails only when r fails or the
// header is larger.
func readHeader(br *bufio.Reader) (header, error) {
	var h header
	read := 0
	for n := 1; ; n++ {
		line, err := readLine(br, maxHeaderBytes-read)
		read += len(line)
		if err != nil && !errors.Is(err, io.EOF) {
			return h, err
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			return h.unfolded(), nil
		}
		h.add(n, text)
		if err != nil {
			return h.unfolded(), nil
		}
	}
}

// readLine reads one line with its end, at most limit bytes.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > limit {
			return nil, fmt.Errorf("it is larger than %d bytes", maxHeaderBytes)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// add takes line number n (without its end) into h.
func (h *header) add(n int, line string) {
	if strings.IndexByte(line, 0) >= 0 {
		h.nul = true
	}
	if line[0] == ' ' || line[0] == '\t' {
		if len(h.fields) == 0 {
			h.bad(n)
			return
		}
		last := &h.fields[len(h.fields)-1]
		last.more = append(last.more, strings.TrimSpace(line))
		return
	}
	name, value, ok := strings.Cut(line, ":")
	// obs-optional (RFC 5322 section 4.5) allows white space before the colon.
	name = strings.TrimRight(name, " \t")
	if !ok || !fieldName(name) {
		h.bad(n)
		return
	}
	h.fields = append(h.fields, field{name: name, value: strings.TrimSpace(value)})
}

// unfolded returns h with each field's continuation lines joined to its
// value.
func (h header) unfolded() header {
	for i := range h.fields {
		if f := &h.fields[i]; len(f.more) > 0 {
			f.value = strings.Join(append([]string{f.value}, f.more...), " ")
			f.more = nil
		}
	}
	return h
}

func (h *header) bad(n int) {
	if h.badLine == 0 {
		h.badLine = n
	}
}

// fieldName reports whether s is an RFC 5322 field-name: one or more
// printable US-ASCII characters other than the colon (section 3.6.8).
func fieldName(s string) bool {
	for i := range len(s) {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return s != ""
}

// unique are the fields RFC 5322 section 3.6 allows at most once, in the
// order its table lists them.
var unique = []string{"Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "Subject"}

// problem returns the sentence for Result.HeaderProblem: the first rule h
// breaks, or "".
func (h header) problem() string {
	switch {
	case h.nul:
		return "The header contains a NUL byte: RFC 5322 (sections 2.2 and 4.1) does not allow one in a header field."
	case h.badLine > 0:
		return fmt.Sprintf("Line %d of the header is not a header field: RFC 5322 section 2.2 wants a field name, a colon and a body.", h.badLine)
	}
	count := map[string]int{}
	for _, f := range h.fields {
		count[strings.ToLower(f.name)]++
	}
	if count["from"] == 0 {
		return "The header has no From field: RFC 5322 section 3.6 requires exactly one."
	}
	if p := h.fromProblem(count["sender"] > 0); p != "" {
		return p
	}
	for _, name := range unique {
		if n := count[strings.ToLower(name)]; n > 1 {
			return fmt.Sprintf("The header has %d %s fields: RFC 5322 section 3.6 allows at most one.", n, name)
		}
	}
	return ""
}

// mime returns the fields as a MIMEHeader, for Content-Type and
// Content-Transfer-Encoding.
func (h header) mime() textproto.MIMEHeader {
	m := textproto.MIMEHeader{}
	for _, f := range h.fields {
		m.Add(f.name, f.value)
	}
	return m
}

// fromProblem checks the From field's body (RFC 5322 section 3.6.2): not
// empty, and several mailboxes only with a Sender field. A From that does
// not parse is left to sender authentication (real mail has odd ones).
func (h header) fromProblem(hasSender bool) string {
	for _, f := range h.fields {
		if !strings.EqualFold(f.name, "From") {
			continue
		}
		if strings.TrimSpace(f.value) == "" {
			return "The From field is empty: RFC 5322 section 3.6.2 wants the author's address in it."
		}
		if list, err := mail.ParseAddressList(f.value); err == nil && len(list) > 1 && !hasSender {
			return "The From field names several authors but there is no Sender field: RFC 5322 section 3.6.2 then requires one."
		}
	}
	return ""
}
