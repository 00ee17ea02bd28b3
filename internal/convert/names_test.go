package convert

import (
	"strings"
	"testing"
)

func TestNamer(t *testing.T) {
	t.Parallel()
	type file struct{ name, ctype string }
	long := strings.Repeat("a", 300) + ".pdf"
	tests := []struct {
		name  string
		files []file
		want  []string
	}{
		{"outlook collisions", []file{{"image001.png", "image/png"}, {"image001.png", "image/png"}, {"IMAGE001.PNG", "image/png"}},
			[]string{"image001.png", "image001-1.png", "IMAGE001-2.PNG"}},
		{"suffix collides with a real name", []file{{"a-1.txt", ""}, {"a.txt", ""}, {"a.txt", ""}},
			[]string{"a-1.txt", "a.txt", "a-2.txt"}},
		{"path separators", []file{{"../../etc/passwd", ""}, {`C:\Users\x\report.doc`, ""}},
			[]string{"passwd", "report.doc"}},
		{"leading dots and controls", []file{{"..\x00.hid\nden.txt", ""}}, []string{"hidden.txt"}},
		{"empty names by type", []file{{"", "image/jpeg"}, {"", "application/x-foo"}, {"  ", "image/png"}, {"..", "message/rfc822"}},
			[]string{"image-1.jpg", "attachment-1.bin", "image-2.png", "attachment-2.eml"}},
		{"long name keeps extension", []file{{long, "application/pdf"}}, []string{strings.Repeat("a", 251) + ".pdf"}},
		{"long name collision stays in limit", []file{{long, ""}, {long, ""}}, []string{strings.Repeat("a", 251) + ".pdf", strings.Repeat("a", 249) + "-1.pdf"}},
		{"invalid utf8", []file{{"caf\xe9.txt", ""}}, []string{"caf_.txt"}},
		{"no extension", []file{{"README", ""}, {"README", ""}}, []string{"README", "README-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := newNamer()
			for i, f := range tt.files {
				got := n.name(f.name, f.ctype)
				if got != tt.want[i] {
					t.Errorf("name(%q) = %q, want %q", f.name, got, tt.want[i])
				}
				if len(got) > maxNameBytes {
					t.Errorf("name %q longer than %d bytes", got, maxNameBytes)
				}
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KB"}, {1536, "1.5 KB"}, {5 << 20, "5.0 MB"}, {3 << 30, "3.0 GB"}}
	for _, tt := range tests {
		if got := humanSize(tt.n); got != tt.want {
			t.Errorf("humanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
