package sandbox

import "net/http"

// moreRoutes adds folders, blog posts, labels, CQL search, the Connect and Forge hosts (see
// doc.go) to the router built by routes.
func (s *Sandbox) moreRoutes(m *http.ServeMux) {
	s.labelRoutes(m)
	m.Handle("POST /wiki/api/v2/folders", s.api(v2, s.v2CreateFolder))
	m.Handle("GET /wiki/api/v2/folders/{id}", s.api(v2, s.v2GetFolder))
	m.Handle("POST /wiki/api/v2/blogposts", s.api(v2, s.v2CreateContent(blogPostType)))
	m.Handle("GET /wiki/api/v2/blogposts", s.api(v2, s.v2ListContent(blogPostType)))
	m.Handle("GET /wiki/api/v2/blogposts/{id}", s.api(v2, s.v2GetContent(blogPostType)))
	m.Handle("GET /wiki/rest/api/search", s.api(v1, s.v1Search))

	const props = "/wiki/rest/atlassian-connect/1/addons/{appKey}/properties"
	m.Handle("GET "+props, s.api(v1, s.listAppProperties))
	m.Handle("GET "+props+"/{propertyKey}", s.api(v1, s.getAppProperty))
	m.Handle("PUT "+props+"/{propertyKey}", s.api(v1, s.putAppProperty))
	m.Handle("DELETE "+props+"/{propertyKey}", s.api(v1, s.deleteAppProperty))

	m.HandleFunc("POST /sandbox/apps", s.installApp)
	m.HandleFunc("DELETE /sandbox/apps/{appKey}", s.uninstallApp)
	m.HandleFunc("GET /sandbox/connect-keys/{kid}", s.connectKey)

	const ac = "/wiki/plugins/servlet/ac/{appKey}/{moduleKey}"
	m.HandleFunc("GET "+ac, s.htmlAdminPage)
	m.HandleFunc("POST "+ac+"/token", s.adminPageToken)
	m.HandleFunc("POST "+ac+"/request", s.adminPageRequest)
	m.HandleFunc("GET /wiki/atlassian-connect/all.js", serveScript(allJS))
	m.HandleFunc("GET /wiki/atlassian-connect/host.js", serveScript(hostJS))

	s.forgeRoutes(m)

	m.HandleFunc("GET /wiki/spaces/{key}/folder/{id}", s.htmlFolder)
	m.HandleFunc("GET /wiki/spaces/{key}/blog/{y}/{m}/{d}/{id}/{title...}", s.htmlContent(blogPostType))
}
