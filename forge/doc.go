// Package forge holds mailwiki's Forge app: manifest.yml (a Forge Remote
// app whose every module calls mailwiki) and the admin page's Custom UI
// bundle, static/admin, built from ui/ by `npm run build:forge`. It has no
// Go code; manifest_test.go checks the manifest offline. See README.md.
package forge
