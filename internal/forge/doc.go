// Package forge is the remote side of mailwiki's Forge app.
package forge
