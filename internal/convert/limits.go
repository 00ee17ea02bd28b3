package convert

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/convert/htmlshape"
)

// ErrLimit is in the chain of ConvertContext's error when the message
// exceeds one of its Limits; test for it with errors.Is.
var ErrLimit = errors.New("message over a conversion limit")

// Limits bound the work ConvertContext does on one message, so that its
// time and memory grow linearly with the message's size. A zero field takes
// the value of DefaultLimits. The time limit is the caller's: the deadline
// of the context.
type Limits struct {
	// MaxFiles is the number of files on the page: the message's
	// attachments plus the images decoded from data: URLs.
	MaxFiles int
	// HTML bounds the HTML body: its elements and nesting.
	HTML htmlshape.Limits
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{MaxFiles: 1000, HTML: htmlshape.Default()}
}

// withDefaults returns l with zero fields set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits().MaxFiles
	}
	return l
}

// limitError returns the permanent ETOOLARGE error for a limit exceeded;
// what names the limit and its value, never content.
func limitError(what string) error {
	return &mailwiki.Error{
		Code:    mailwiki.ETOOLARGE,
		Message: "convert: " + what,
		Err:     fmt.Errorf("%w: %s", ErrLimit, what),
	}
}

// tooManyFiles is the limit error for more than max files.
func tooManyFiles(max int) error {
	return limitError(fmt.Sprintf("more than %d files on the page", max))
}

// interrupted returns the temporary error for a context that is done,
// context.Cause in the chain.
func interrupted(ctx context.Context) error {
	return &mailwiki.Error{
		Code:      mailwiki.EUNAVAILABLE,
		Message:   "convert: conversion interrupted",
		Temporary: true,
		Err:       context.Cause(ctx),
	}
}
