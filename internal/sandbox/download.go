package sandbox

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// download serves GET /wiki/download/attachments/{pageId}/{filename}
// (?version=N, newest by default) with the exact stored bytes and media
// type. Faults apply as to API calls.
//
// Authentication is optional here, unlike on Confluence: the sandbox's HTML
// pages show attachment images with plain <img src>, which a browser fetches
// without the API credentials. Credentials that are sent must be valid.
func (s *Sandbox) download() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.suffer(w, r, plain) {
			return
		}
		if r.Header.Get("Authorization") != "" {
			if _, ok := s.authenticate(r); !ok {
				writeStatus(w, plain, http.StatusUnauthorized, "Unauthorized", nil)
				return
			}
		}
		v, name, err := s.attachmentVersion(r)
		if err != nil {
			s.writeError(w, plain, err)
			return
		}
		serveBytes(w, v, name)
	})
}

// attachmentVersion finds the version a download URL names.
func (s *Sandbox) attachmentVersion(r *http.Request) (attVersion, string, error) {
	n := 0
	if raw := r.URL.Query().Get("version"); raw != "" {
		var err error
		if n, err = strconv.Atoi(raw); err != nil || n < 1 {
			return attVersion{}, "", invalid("version must be a positive integer")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("filename")
	a := s.st.attachmentNamed(r.PathValue("pageId"), name)
	if a == nil {
		return attVersion{}, "", notFound("Attachment not found")
	}
	v, ok := a.version(n)
	if !ok {
		return attVersion{}, "", notFound("Attachment version not found")
	}
	return v, name, nil
}

// serveBytes writes an attachment. Images other than SVG are shown inline;
// everything else is a download. The CSP sandbox and nosniff keep an
// uploaded HTML or SVG file from running script in the sandbox's origin.
func serveBytes(w http.ResponseWriter, v attVersion, name string) {
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(v.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	disposition := "attachment"
	if strings.HasPrefix(v.MediaType, "image/") && v.MediaType != "image/svg+xml" {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	_, _ = w.Write(v.Data)
}
