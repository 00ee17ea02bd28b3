package sandbox

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Links below are relative to the site base (…/wiki), as Confluence returns
// them in _links.webui, editui, tinyui and download.

// pageWebUI is the page's human URL: /spaces/KEY/pages/ID/Title+With+Plus.
func pageWebUI(spaceKey, pageID, title string) string {
	return spaceWebUI(spaceKey) + "/pages/" + pageID + "/" + url.QueryEscape(title)
}

func spaceWebUI(spaceKey string) string {
	return "/spaces/" + url.PathEscape(spaceKey)
}

func pageEditUI(pageID string) string {
	return "/pages/resumedraft.action?draftId=" + pageID
}

// pageTinyUI is the short link /x/CODE; see tinyCode.
func pageTinyUI(pageID string) string {
	n, err := strconv.ParseUint(pageID, 10, 64)
	if err != nil {
		return ""
	}
	return "/x/" + tinyCode(n)
}

// tinyCode encodes an id as Confluence's short links do: the id's
// little-endian bytes without trailing zeros, in base64 with '+' → '_',
// '/' → '-' and no padding.
func tinyCode(id uint64) string {
	var b []byte
	for ; id > 0; id >>= 8 {
		b = append(b, byte(id))
	}
	s := base64.RawStdEncoding.EncodeToString(b)
	return strings.NewReplacer("+", "_", "/", "-").Replace(s)
}

// parseTinyCode reverses tinyCode.
func parseTinyCode(code string) (uint64, bool) {
	s := strings.NewReplacer("_", "+", "-", "/").Replace(code)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	var id uint64
	for i := len(b) - 1; i >= 0; i-- {
		id = id<<8 | uint64(b[i])
	}
	return id, true
}

// downloadLink is the attachment's download URL, relative to the base:
// /download/attachments/PAGE/NAME?version=N&modificationDate=MS&api=v2.
func downloadLink(a *attachment) string {
	v := a.current()
	q := url.Values{}
	q.Set("version", strconv.Itoa(v.Number))
	q.Set("modificationDate", strconv.FormatInt(v.CreatedAt.UnixMilli(), 10))
	q.Set("api", "v2")
	return "/download/attachments/" + a.PageID + "/" + url.PathEscape(a.Filename) + "?" + q.Encode()
}

// attachmentWebUI is Confluence's attachment preview URL; the sandbox
// redirects it to the page.
func attachmentWebUI(a *attachment) string {
	q := url.Values{}
	q.Set("pageId", a.PageID)
	q.Set("preview", "/"+a.PageID+"/"+a.ID+"/"+a.Filename)
	return "/pages/viewpageattachments.action?" + q.Encode()
}

// confluenceTime formats a time as Confluence does: UTC, milliseconds.
func confluenceTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
