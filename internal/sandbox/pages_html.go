package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
)

// The HTML pages need no authentication: they are the local sandbox's
// stand-in for Confluence's web UI, for people looking at a demo.

const pageCSS = `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#172b4d}
a{color:#0052cc}nav{font-size:.9rem;margin-bottom:1rem}
.macro{border:1px solid #c1c7d0;border-radius:4px;padding:.5rem;margin:.5rem 0;background:#f4f5f7}
.macro-label{font-size:.8rem;color:#5e6c84;margin-bottom:.25rem}.missing{color:#bf2600}
img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #c1c7d0;padding:.25rem .5rem}
.attachments{margin-top:2rem;border-top:1px solid #c1c7d0}
.meta{color:#6b778c;font-size:.85rem;margin-top:-.5rem}`

// htmlCSP allows the page's own stylesheet (by hash), images from the site
// and the web, and nothing else: no script at all.
var htmlCSP = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; img-src 'self' http: https:; style-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

var pageTemplates = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} - mailwiki sandbox</title>
<style>{{.CSS}}</style></head><body>
<nav><a href="/wiki/">mailwiki sandbox</a>{{with .Space}} / <a href="/wiki{{.Link}}">{{.Name}}</a>{{end}}</nav>
<h1>{{.Title}}</h1>
{{with .Meta}}<p class="meta">{{.}}</p>{{end}}
{{with .Labels}}<p class="meta labels">Labels:{{range .}} <span class="label">{{.}}</span>{{end}}</p>{{end}}
{{if .Spaces}}{{range .Spaces}}<h2><a href="/wiki{{.Link}}">{{.Name}}</a> ({{.Key}})</h2>
<ul>{{if .Pages}}{{template "tree" .Pages}}{{else}}<li>No pages yet.</li>{{end}}</ul>
{{with .Blog}}<h3>Blog posts</h3><ul>{{range .}}<li><a href="/wiki{{.Link}}">{{.Title}}</a></li>{{end}}</ul>{{end}}
{{end}}{{end}}
{{if .Body}}<div class="body">{{.Body}}</div>{{end}}
{{if .Attachments}}<div class="attachments"><h2>Files attached to this page</h2><ul>
{{range .Attachments}}<li><a href="/wiki{{.Link}}">{{.Name}}</a> ({{.Size}}, {{.MediaType}}, version {{.Version}})</li>{{end}}
</ul></div>{{end}}
</body></html>
{{define "tree"}}{{range .}}<li>{{if .Folder}}<span class="folder" id="folder-{{.ID}}">&#128193; {{.Title}}</span>{{else}}<a href="/wiki{{.Link}}">{{.Title}}</a>{{end}}{{with .Children}}<ul>{{template "tree" .}}</ul>{{end}}</li>{{end}}{{end}}`))

// The template's view models.
type (
	htmlView struct {
		Title       string
		Meta        string   // a page's creation date and version
		Labels      []string // a page's or blog post's labels, as Confluence shows them
		CSS         template.CSS
		Space       *htmlSpace
		Spaces      []htmlSpace
		Body        template.HTML // produced by renderStorage only
		Attachments []htmlAttachment
	}
	htmlSpace struct {
		Key, Name, Link string
		Pages           []htmlPageLink // the content tree: pages and folders
		Blog            []htmlPageLink
	}
	htmlPageLink struct {
		Title, Link, ID string
		Folder          bool
		Children        []htmlPageLink
	}
	htmlAttachment struct {
		Name, Link, Size, MediaType string
		Version                     int
	}
)

func (s *Sandbox) writeHTML(w http.ResponseWriter, status int, v htmlView) {
	v.CSS = template.CSS(pageCSS)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", htmlCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pageTemplates.Execute(w, v); err != nil {
		s.log.Error("sandbox: render HTML page", "err", err)
	}
}

func (s *Sandbox) htmlNotFound(w http.ResponseWriter, what string) {
	s.writeHTML(w, http.StatusNotFound, htmlView{Title: what + " not found"})
}

// htmlIndex serves GET /wiki/: every space with its pages.
func (s *Sandbox) htmlIndex(w http.ResponseWriter, _ *http.Request) {
	v := htmlView{Title: "Spaces"}
	for _, sp := range s.spaces() {
		v.Spaces = append(v.Spaces, s.htmlSpaceOf(sp))
	}
	s.writeHTML(w, http.StatusOK, v)
}

// htmlSpace serves GET /wiki/spaces/{key}, a space's _links.webui.
func (s *Sandbox) htmlSpace(w http.ResponseWriter, r *http.Request) {
	sp, err := s.spaceByKey(r.PathValue("key"))
	if err != nil {
		s.htmlNotFound(w, "Space")
		return
	}
	hs := s.htmlSpaceOf(sp)
	s.writeHTML(w, http.StatusOK, htmlView{Title: sp.Name, Spaces: []htmlSpace{hs}})
}

func (s *Sandbox) htmlSpaceOf(sp Space) htmlSpace {
	hs := htmlSpace{Key: sp.Key, Name: sp.Name, Link: spaceWebUI(sp.Key), Pages: s.contentTree(sp)}
	for _, p := range s.findContent(blogPostType, pageFilter{SpaceIDs: []string{sp.ID}}) {
		hs.Blog = append(hs.Blog, htmlPageLink{Title: p.Title, Link: blogWebUI(p), ID: p.ID})
	}
	return hs
}

// htmlContent serves a page's or blog post's _links.webui
// (/wiki/spaces/{key}/pages/{id}[/{title}], /wiki/spaces/{key}/blog/…/{id}/{title}):
// its storage body rendered, then its attachments.
func (s *Sandbox) htmlContent(t *contentType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.getContent(t, r.PathValue("id"))
		if err != nil || p.SpaceKey != r.PathValue("key") {
			s.htmlNotFound(w, t.htmlName)
			return
		}
		s.renderContent(w, p, t.noun)
	}
}

func htmlAttachmentOf(a *attachment) htmlAttachment {
	cur := a.current()
	return htmlAttachment{Name: a.Filename, Link: downloadLink(a), Size: humanSize(len(cur.Data)),
		MediaType: cur.MediaType, Version: cur.Number}
}

// htmlTiny serves a page's _links.tinyui, /wiki/x/{code}, by redirecting
// to its webui.
func (s *Sandbox) htmlTiny(w http.ResponseWriter, r *http.Request) {
	id, ok := parseTinyCode(r.PathValue("code"))
	if !ok {
		s.htmlNotFound(w, "Page")
		return
	}
	s.redirectToPage(w, r, strconv.FormatUint(id, 10))
}

// htmlAttachmentPreview serves an attachment's webui link by redirecting to
// the page that holds it.
func (s *Sandbox) htmlAttachmentPreview(w http.ResponseWriter, r *http.Request) {
	s.redirectToPage(w, r, r.URL.Query().Get("pageId"))
}

func (s *Sandbox) redirectToPage(w http.ResponseWriter, r *http.Request, id string) {
	p, err := s.getPage(id)
	if err != nil {
		s.htmlNotFound(w, "Page")
		return
	}
	http.Redirect(w, r, "/wiki"+pageWebUI(p.SpaceKey, p.ID, p.Title), http.StatusFound)
}

// humanSize formats a byte count as Confluence lists attachment sizes.
func humanSize(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f kB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}

// siteResolver resolves attachment names against one page's attachments
// and page titles against the page's space.
type siteResolver struct {
	s     *Sandbox
	page  pageView
	files map[string]string // file name → /wiki download URL
}

func (s *Sandbox) newSiteResolver(p pageView, atts []attachment) siteResolver {
	files := map[string]string{}
	for i := range atts {
		files[atts[i].Filename] = "/wiki" + downloadLink(&atts[i])
	}
	return siteResolver{s: s, page: p, files: files}
}

func (r siteResolver) attachmentURL(filename string) (string, bool) {
	u, ok := r.files[filename]
	return u, ok
}

func (r siteResolver) pageURL(title string) (string, bool) {
	found := r.s.findPages(pageFilter{SpaceIDs: []string{r.page.SpaceID}, Title: title})
	if len(found) == 0 {
		return "", false
	}
	return "/wiki" + pageWebUI(found[0].SpaceKey, found[0].ID, found[0].Title), true
}
