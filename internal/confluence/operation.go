package confluence

import (
	"net/http"
	"strings"
)

// Operations: the bounded vocabulary Operation names requests with (for
// metrics such as mailwiki_confluence_requests_total).
const (
	OpGetSpace          = "get_space"
	OpCreatePage        = "create_page"
	OpGetPage           = "get_page"
	OpFindPage          = "find_page"
	OpListAttachments   = "list_attachments"
	OpUploadAttachments = "upload_attachments"
	OpAppProperty       = "app_property"
	OpSearch            = "search"
	OpGetFolder         = "get_folder"
	OpAddLabels         = "add_labels"
	OpCreateBlogPost    = "create_blogpost"
	OpFindBlogPost      = "find_blogpost"
	OpOther             = "other"
)

// Operation names a request by its method and path (relative to the base
// URL, v1 or v2).
func Operation(method, path string) string {
	switch {
	case strings.HasSuffix(path, "/label") && method == http.MethodPost:
		return OpAddLabels
	case strings.HasSuffix(path, "/child/attachment"):
		if method == http.MethodPost {
			return OpUploadAttachments
		}
		return OpListAttachments
	case strings.HasPrefix(path, "/rest/atlassian-connect/1/addons/") || strings.HasPrefix(path, forgePropertiesPath):
		return OpAppProperty
	case path == "/rest/api/search":
		return OpSearch
	case strings.HasPrefix(path, "/api/v2/folders/"):
		return OpGetFolder
	case path == "/api/v2/blogposts":
		if method == http.MethodPost {
			return OpCreateBlogPost
		}
		return OpFindBlogPost
	case strings.HasPrefix(path, "/api/v2/spaces") || strings.HasPrefix(path, "/rest/api/space"):
		return OpGetSpace
	case path == "/api/v2/pages" || path == "/rest/api/content":
		if method == http.MethodPost {
			return OpCreatePage
		}
		return OpFindPage
	case strings.HasPrefix(path, "/api/v2/pages/") || strings.HasPrefix(path, "/rest/api/content/"):
		return OpGetPage
	}
	return OpOther
}
