package main

import (
	"bufio"
	"encoding/base64"
	"io"
	"math/rand/v2"
)

// writeMessage writes a multipart mail to w: a short text body and one
// attachment of attachBytes pseudo-random bytes, base64 in lines of 76
// characters. It never holds more than a few KiB.
func writeMessage(w io.Writer, subject string, attachBytes int64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	io.WriteString(bw, "From: Alice <alice@example.org>\r\nTo: docs@bench.test\r\nSubject: "+subject+
		"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"bench-boundary\"\r\n\r\n"+
		"--bench-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"The measurements are attached.\r\n\r\nAlice\r\n"+
		"--bench-boundary\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Disposition: attachment; filename=\"measurements.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	src := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 57*64) // 57 bytes make one 76-character line
	line := make([]byte, 76)
	for left := attachBytes; left > 0; {
		n := int(min(int64(len(raw)), left))
		for i := 0; i < n; i += 8 {
			v := src.Uint64()
			for j := 0; j < 8 && i+j < n; j++ {
				raw[i+j] = byte(v >> (8 * j))
			}
		}
		for chunk := raw[:n]; len(chunk) > 0; {
			k := min(57, len(chunk))
			m := base64.StdEncoding.EncodedLen(k)
			base64.StdEncoding.Encode(line, chunk[:k])
			bw.Write(line[:m])
			bw.WriteString("\r\n")
			chunk = chunk[k:]
		}
		left -= int64(n)
	}
	io.WriteString(bw, "--bench-boundary--\r\n")
	return bw.Flush()
}
