// Package deps pins the modules that packages under construction will import,
// so that go.mod and go.sum hold them while those packages are written. It is
// deleted once every dependency is imported by real code.
package deps

import (
	_ "github.com/emersion/go-smtp"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/getkin/kin-openapi/routers/legacy"
	_ "github.com/jhillyerd/enmime/v2"
	_ "github.com/microcosm-cc/bluemonday"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/riverqueue/river"
	_ "github.com/riverqueue/river/riverdriver/riversqlite"
	_ "github.com/riverqueue/river/rivermigrate"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/net/html"
	_ "modernc.org/sqlite"
)
