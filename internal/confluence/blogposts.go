package confluence

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailwiki/mailwiki"
)

// Blog posts, through REST v2 /blogposts: Confluence Cloud only. On Data
// Center both calls fail with a permanent EINVALID error. The wire shapes
// and calls are the v2 pages' (see createV2, findV2).

// CreateBlogPost publishes a blog post in in.SpaceID. A blog post has no
// parent: in.ParentID is ignored (mailwiki.Publisher's contract). Like CreatePage it is a POST,
// never retried after a 5xx or a transport error; the caller looks the post
// up with FindBlogPostByTitle. The returned Page describes the blog post.
func (c *Client) CreateBlogPost(ctx context.Context, in PageInput) (Page, error) {
	p, err := c.createBlogPost(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("confluence: create blog post in space %q: %w", inputSpace(in), err)
	}
	return p, nil
}

func (c *Client) createBlogPost(ctx context.Context, in PageInput) (Page, error) {
	if err := c.blogPostsSupported(); err != nil {
		return Page{}, err
	}
	switch {
	case strings.TrimSpace(in.Title) == "":
		return Page{}, invalidf("blog post title is empty")
	case in.SpaceID == "":
		return Page{}, invalidf("space id is required on Confluence Cloud")
	}
	in.ParentID = ""
	return c.createV2(ctx, blogPostsV2, in)
}

// FindBlogPostByTitle returns the current blog post titled exactly title in
// space (by space.ID), storage body included, or nil and no error when there
// is none.
func (c *Client) FindBlogPostByTitle(ctx context.Context, space Space, title string) (*Page, error) {
	p, err := c.findBlogPost(ctx, space, title)
	if err != nil {
		return nil, fmt.Errorf("confluence: find blog post by title in space %q: %w", spaceName(space), err)
	}
	return p, nil
}

func (c *Client) findBlogPost(ctx context.Context, space Space, title string) (*Page, error) {
	if err := c.blogPostsSupported(); err != nil {
		return nil, err
	}
	if title == "" {
		return nil, invalidf("blog post title is empty")
	}
	if space.ID == "" {
		return nil, invalidf("space id is required on Confluence Cloud")
	}
	return c.findV2(ctx, blogPostsV2, space.ID, title)
}

func (c *Client) blogPostsSupported() error {
	if c.flavor == DataCenter {
		return mailwiki.Errorf(mailwiki.EINVALID, "blog posts need Confluence Cloud; publish pages on Data Center")
	}
	return nil
}
