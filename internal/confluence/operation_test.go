package confluence

import (
	"net/http"
	"testing"
)

func TestOperation(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{http.MethodGet, "/api/v2/spaces", OpGetSpace},
		{http.MethodPost, "/api/v2/pages", OpCreatePage},
		{http.MethodGet, "/api/v2/pages/1", OpGetPage},
		{http.MethodGet, "/api/v2/folders/1", OpGetFolder},
		{http.MethodPost, "/api/v2/blogposts", OpCreateBlogPost},
		{http.MethodGet, "/api/v2/blogposts", OpFindBlogPost},
		{http.MethodGet, "/rest/api/search", OpSearch},
		{http.MethodPut, "/rest/atlassian-connect/1/addons/app/properties/k", OpAppProperty},
		{http.MethodGet, "/rest/atlassian-connect/1/addons/app/properties", OpAppProperty},
		{http.MethodPut, "/api/v2/app/properties/k", OpAppProperty},
		{http.MethodGet, "/api/v2/app/properties", OpAppProperty},
		{http.MethodPost, "/rest/api/content/1/child/attachment", OpUploadAttachments},
		{http.MethodPost, "/rest/api/content/1/label", OpAddLabels},
		{http.MethodGet, "/rest/api/other", OpOther},
	}
	for _, tt := range tests {
		if got := Operation(tt.method, tt.path); got != tt.want {
			t.Errorf("Operation(%s, %s) = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}
