package convert

import (
	"net/url"
	"strings"
)

// safeHref returns href normalised if it is an absolute http or https URL with
// a host, or a mailto URL; ok is false for anything else (javascript:,
// relative links, data:, …).
func safeHref(href string) (string, bool) {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return href, u.Host != ""
	case "mailto":
		return href, u.Opaque != "" || u.Path != ""
	}
	return "", false
}

// safeImageURL returns src if it is an absolute http or https URL.
func safeImageURL(src string) (string, bool) {
	src = strings.TrimSpace(src)
	u, err := url.Parse(src)
	if err != nil {
		return "", false
	}
	s := strings.ToLower(u.Scheme)
	return src, (s == "http" || s == "https") && u.Host != ""
}
