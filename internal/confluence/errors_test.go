package confluence

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki"
)

// Realistic error bodies. v2 and v1 shapes as Confluence Cloud and Data
// Center send them.
const (
	dupTitleV2 = `{"errors":[{"status":400,"code":"BAD_REQUEST","title":"A page with this title already exists: A page already exists with the same TITLE in this space","detail":null}]}`
	dupTitleV1 = `{"statusCode":400,"data":{"authorized":true,"valid":false,"allowedInSpace":true,"errors":[],"successful":false},` +
		`"message":"com.atlassian.confluence.api.service.exceptions.BadRequestException: A page with this title already exists: A page already exists with the title Quarterly report in the space with key DEMO","reason":"Bad Request"}`
	badRequestV2 = `{"errors":[{"status":400,"code":"INVALID_REQUEST_PARAMETER","title":"Provided value {abc} for 'id' is not the correct type. Expected type is ContentId","detail":null}]}`
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		body      string
		code      string
		temporary bool
		message   string // Confluence's message as APIError keeps it
	}{
		{400, badRequestV2, mailwiki.EINVALID, false, "Provided value {abc} for 'id' is not the correct type. Expected type is ContentId"},
		{400, dupTitleV2, mailwiki.ECONFLICT, false, "A page with this title already exists: A page already exists with the same TITLE in this space"},
		{401, `{"code":401,"message":"Unauthorized; scope does not match"}`, mailwiki.EUNAUTHORIZED, true, "Unauthorized; scope does not match"},
		{403, `{"errors":[{"status":403,"code":"FORBIDDEN","title":"Forbidden","detail":null}]}`, mailwiki.EFORBIDDEN, true, "Forbidden"},
		{404, `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}`, mailwiki.ENOTFOUND, false, "Not Found"},
		{409, `{"statusCode":409,"data":{"authorized":false,"valid":true,"errors":[],"successful":false},"message":"Version must be incremented on update. Current Version is: 3","reason":"Conflict"}`,
			mailwiki.ECONFLICT, false, "Version must be incremented on update. Current Version is: 3"},
		{413, `{"statusCode":413,"message":"Request entity too large"}`, mailwiki.ETOOLARGE, false, "Request entity too large"},
		{429, `Rate limit exceeded`, mailwiki.ERATELIMIT, true, ""},
		{500, `{"statusCode":500,"message":"java.lang.NullPointerException: oops"}`, mailwiki.EUNAVAILABLE, true, "oops"},
		{503, `<html><body>Service Unavailable</body></html>`, mailwiki.EUNAVAILABLE, true, ""},
		{418, `{}`, mailwiki.EINTERNAL, true, ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(tt.status, tt.body))
			c, _ := newClient(t, f, Options{MaxAttempts: 1})
			_, err := c.GetPage(t.Context(), "123")
			wantCode(t, err, tt.code, tt.temporary)
			if got := mailwiki.IsTemporary(err); got != tt.temporary {
				t.Errorf("IsTemporary %v", got)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("no *APIError in %v", err)
			}
			want := APIError{StatusCode: tt.status, Method: "GET", Path: "/api/v2/pages/123", Message: tt.message}
			if *ae != want {
				t.Errorf("APIError %+v, want %+v", *ae, want)
			}
			if !strings.HasPrefix(err.Error(), `confluence: get page "123": `) {
				t.Errorf("error %q lacks its context", err)
			}
		})
	}
}

func TestNetworkErrorIsTemporary(t *testing.T) {
	t.Parallel()
	f := newFake(t, always(200, `{}`))
	c, _ := newClient(t, f, Options{MaxAttempts: 1})
	f.srv.Close()
	_, err := c.GetPage(t.Context(), "123")
	wantCode(t, err, mailwiki.EUNAVAILABLE, true)
	var ae *APIError
	if errors.As(err, &ae) {
		t.Errorf("a network error has an APIError: %v", ae)
	}
}

func TestIsDuplicateTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flavor Flavor
		status int
		body   string
		want   bool
	}{
		{"v2 wording", Cloud, 400, dupTitleV2, true},
		{"v1 wording", DataCenter, 400, dupTitleV1, true},
		{"other 400", Cloud, 400, badRequestV2, false},
		{"404", Cloud, 404, `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found"}]}`, false},
		{"500 mentioning titles", Cloud, 500, `{"errors":[{"status":500,"title":"A page with this title already exists"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, always(tt.status, tt.body))
			c, _ := newClient(t, f, Options{Flavor: tt.flavor, MaxAttempts: 1})
			_, err := c.CreatePage(t.Context(), PageInput{SpaceID: "1", SpaceKey: "DEMO", Title: "Quarterly report"})
			if err == nil {
				t.Fatal("no error")
			}
			if got := IsDuplicateTitle(err); got != tt.want {
				t.Errorf("IsDuplicateTitle(%v) = %v, want %v", err, got, tt.want)
			}
			if tt.want {
				wantCode(t, err, mailwiki.ECONFLICT, false)
				if !strings.HasPrefix(err.Error(), `confluence: create page in space "DEMO": `) {
					t.Errorf("error %q lacks its context", err)
				}
			}
		})
	}
	if IsDuplicateTitle(nil) || IsDuplicateTitle(errors.New("A page with this title already exists")) {
		t.Error("IsDuplicateTitle true without an APIError")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400)
	tests := []struct {
		name, contentType, body, want string
	}{
		{"v2 title and detail", "application/json", `{"errors":[{"status":400,"code":"X","title":"Bad","detail":"spaceId is required"},{"title":"Also"}]}`, "Bad; spaceId is required; Also"},
		{"v2 code only", "application/json", `{"errors":[{"status":400,"code":"INVALID_REQUEST_PARAMETER"}]}`, "INVALID_REQUEST_PARAMETER"},
		{"v1 with exception class", "application/json", dupTitleV1, "A page with this title already exists: A page already exists with the title Quarterly report in the space with key DEMO"},
		{"v1 reason only", "application/json", `{"statusCode":404,"reason":"Not Found"}`, "Not Found"},
		{"plain text", "text/plain; charset=utf-8", "Rate limit\n exceeded", "Rate limit exceeded"},
		{"html ignored", "text/html", "<html>Bad gateway</html>", ""},
		{"empty", "", "", ""},
		{"truncated", "application/json", `{"message":"` + long + `"}`, strings.Repeat("é", 150) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := truncate(errorMessage(tt.contentType, []byte(tt.body)), maxMessageLen)
			if got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-3", 0},
		{"Sat, 01 Mar 2025 12:00:45 GMT", 45 * time.Second},
		{"Sat, 01 Mar 2025 11:59:00 GMT", 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestRetryAfterWithoutAPIError(t *testing.T) {
	t.Parallel()
	if got := mailwiki.RetryAfter(errors.New("x")); got != 0 {
		t.Errorf("RetryAfter = %v", got)
	}
}
