package clamav_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/check/builtin/testmail"
	"github.com/mailwiki/mailwiki/internal/check/clamav"
)

// realClients returns Clients for the clamd that .ci/scanners.sh started,
// on TCP and (when given) its Unix socket, or skips (fails under
// MAILWIKI_REQUIRE_SCANNERS=1) without one.
func realClients(t *testing.T) []*clamav.Client {
	t.Helper()
	addr := testmail.ScannerEnv(t, "MAILWIKI_TEST_CLAMD_ADDR")
	cs := []*clamav.Client{{Address: addr, Timeout: 10 * time.Second}}
	if sock := os.Getenv("MAILWIKI_TEST_CLAMD_SOCKET"); sock != "" {
		cs = append(cs, &clamav.Client{Network: "unix", Address: sock, Timeout: 10 * time.Second, ChunkSize: 1000})
	}
	return cs
}

func TestRealScan(t *testing.T) {
	t.Parallel()
	eicar := testmail.EICAR()
	cases := []struct {
		name, msg string
		want      clamav.Result
	}{
		{"clean", testmail.Message("notes", testmail.Multipart("mixed",
			testmail.Text("The notes."), testmail.Base64("application/pdf", "notes.pdf", []byte("%PDF-1.4 not really")))), clamav.Result{}},
		{"EICAR in a base64 attachment", testmail.Message("file", testmail.Multipart("mixed",
			testmail.Text("See the file."), testmail.Base64("application/octet-stream", "eicar.com", eicar))), infected},
		{"EICAR in a zip", testmail.Message("zip", testmail.Multipart("mixed",
			testmail.Text("See the archive."), testmail.Base64("application/zip", "files.zip",
				testmail.Zip(testmail.File{Name: "readme.txt", Data: []byte("hello")}, testmail.File{Name: "eicar.com", Data: eicar})))), infected},
		{"EICAR in a zip in a zip", testmail.Message("zip2", testmail.Base64("application/zip", "files.zip", testmail.Nested("eicar.com", eicar, 2))), infected},
	}
	for _, c := range realClients(t) {
		for _, tc := range cases {
			t.Run(cmp.Or(c.Network, "tcp")+" "+tc.name, func(t *testing.T) {
				start := time.Now()
				got, err := c.Scan(context.Background(), strings.NewReader(tc.msg))
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d bytes: %+v in %v", len(tc.msg), got, time.Since(start))
				if got != tc.want {
					t.Errorf("got %+v, want %+v", got, tc.want)
				}
			})
		}
	}
}

var infected = clamav.Result{Infected: true, Signature: "Eicar-Test-Signature.UNOFFICIAL"}

// zeros reads as an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestRealStreamLimit(t *testing.T) {
	t.Parallel()
	c := realClients(t)[0]
	// 60 MiB, above the StreamMaxLength of .ci/scanners/clamd.conf (50M):
	// clamd answers when it passes the limit and the rest is not sent.
	start := time.Now()
	got, err := c.Scan(context.Background(), io.LimitReader(zeros{}, 60<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("over the limit: %+v in %v", got, time.Since(start))
	want := clamav.Result{Infected: true, Signature: clamav.SignatureStreamLimit, SizeLimit: true}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestRealPing(t *testing.T) {
	t.Parallel()
	for _, c := range realClients(t) {
		if err := c.Ping(context.Background()); err != nil {
			t.Error(err)
		}
	}
}

// fakeClamd answers every connection with reply after reading the
// command and, when readAll, the whole stream; it returns a Client.
func fakeClamd(t *testing.T, reply string, readAll bool) *clamav.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				r := bufio.NewReader(conn)
				cmd, _ := r.ReadString(0)
				if readAll && cmd == "zINSTREAM\x00" {
					readChunks(r)
				}
				_, _ = io.WriteString(conn, reply)
			}()
		}
	}()
	return &clamav.Client{Address: l.Addr().String(), Timeout: 500 * time.Millisecond}
}

// readChunks reads INSTREAM chunks up to the zero length that ends them.
func readChunks(r io.Reader) {
	var size [4]byte
	for {
		if _, err := io.ReadFull(r, size[:]); err != nil || binary.BigEndian.Uint32(size[:]) == 0 {
			return
		}
		if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(size[:]))); err != nil {
			return
		}
	}
}

func TestFakeReplies(t *testing.T) {
	t.Parallel()
	cases := map[string]clamav.Result{
		"INSTREAM size limit exceeded. ERROR\x00":                  {Infected: true, Signature: clamav.SignatureStreamLimit, SizeLimit: true},
		"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\x00": {Infected: true, Signature: "Heuristics.Limits.Exceeded.MaxFileSize", SizeLimit: true},
		"stream: Win.Test.EICAR_HDB-1 FOUND\x00":                   {Infected: true, Signature: "Win.Test.EICAR_HDB-1"},
		"stream: OK\x00":                                           {},
	}
	for reply, want := range cases {
		t.Run(strings.TrimRight(reply, "\x00"), func(t *testing.T) {
			t.Parallel()
			// Answered at once and closed, while 8 MiB are still being
			// sent: the reply decides, not the failed write.
			c := fakeClamd(t, reply, false)
			got, err := c.Scan(context.Background(), io.LimitReader(zeros{}, 8<<20))
			if err != nil || got != want {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()
	clients := map[string]*clamav.Client{
		"closed port":   {Address: closed},
		"no socket":     {Address: "unix://" + t.TempDir() + "/none.sock"},
		"ERROR":         fakeClamd(t, "stream: Can't allocate memory ERROR\x00", true),
		"garbled":       fakeClamd(t, "HTTP/1.1 400 Bad Request\r\n\r\n", true),
		"empty answer":  fakeClamd(t, "", true),
		"no answer":     fakeClamd(t, "", false), // reads the command, then closes
		"found no name": fakeClamd(t, "stream:  FOUND\x00", true),
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = silent.Close() })
	clients["timeout"] = &clamav.Client{Address: silent.Addr().String(), Timeout: 200 * time.Millisecond}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := c.Scan(context.Background(), strings.NewReader(testmail.Message("x", testmail.Text("y"))))
			if !errors.Is(err, clamav.ErrUnavailable) || !mailwiki.IsTemporary(err) {
				t.Fatalf("error %v, want a temporary ErrUnavailable", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to fail", d)
			}
			if name != "ERROR" && name != "garbled" && name != "found no name" {
				if err := c.Ping(context.Background()); !errors.Is(err, clamav.ErrUnavailable) {
					t.Errorf("ping: %v, want ErrUnavailable", err)
				}
			}
		})
	}
}

// failingReader fails after its first bytes.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		return 0, errors.New("disk gone")
	}
	f.n = copy(p, "From: a@example.org\r\n")
	return f.n, nil
}

func TestReadErrorIsNotUnavailable(t *testing.T) {
	t.Parallel()
	c := fakeClamd(t, "stream: OK\x00", true)
	_, err := c.Scan(context.Background(), &failingReader{})
	if err == nil || errors.Is(err, clamav.ErrUnavailable) || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("error %v: want the reader's error, not ErrUnavailable", err)
	}
}

func TestParseAddress(t *testing.T) {
	t.Parallel()
	ok := map[string][2]string{
		"127.0.0.1:3310":               {"tcp", "127.0.0.1:3310"},
		"[::1]:3310":                   {"tcp", "[::1]:3310"},
		"clamd.internal:3310":          {"tcp", "clamd.internal:3310"},
		"tcp://127.0.0.1:3310":         {"tcp", "127.0.0.1:3310"},
		"unix:///run/clamav/clamd.ctl": {"unix", "/run/clamav/clamd.ctl"},
		"/run/clamav/clamd.ctl":        {"unix", "/run/clamav/clamd.ctl"},
	}
	for in, want := range ok {
		n, a, err := clamav.ParseAddress(in)
		if err != nil || n != want[0] || a != want[1] {
			t.Errorf("ParseAddress(%q) = %q, %q, %v; want %q, %q", in, n, a, err, want[0], want[1])
		}
	}
	for _, in := range []string{"", "3310", "127.0.0.1", ":3310", "127.0.0.1:0", "127.0.0.1:70000", "unix://relative.sock", "http://127.0.0.1:3310", "clamd.sock"} {
		if n, a, err := clamav.ParseAddress(in); err == nil {
			t.Errorf("ParseAddress(%q) = %q, %q; want an error", in, n, a)
		}
	}
}
