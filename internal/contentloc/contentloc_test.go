package contentloc

import "testing"

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, ref, want string
	}{
		{"relative without base", "", "chart-a.png", "chart-a.png"},
		{"relative with base", "http://example.org/charts/", "chart-a.png", "http://example.org/charts/chart-a.png"},
		{"relative to a document", "http://example.org/charts/page.html", "a.png", "http://example.org/charts/a.png"},
		{"absolute ignores base", "http://example.org/x/", "HTTP://Intranet.Example.org/b.png", "http://intranet.example.org/b.png"},
		{"quoted", "", `"chart-a.png"`, "chart-a.png"},
		{"folded", "", "http://example.org/very/\r\n long/name.png", "http://example.org/very/long/name.png"},
		{"angle brackets", "", "<http://example.org/a.png>", "http://example.org/a.png"},
		{"empty ref is the base", "http://example.org/", "", "http://example.org/"},
		{"parent path", "http://example.org/a/b/", "../c.png", "http://example.org/a/c.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Resolve(tt.base, tt.ref); got != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tt.base, tt.ref, got, tt.want)
			}
		})
	}
}
