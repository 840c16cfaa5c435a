//go:build tools

// Package tools pins MetalLB's controller command so that `go mod tidy` keeps its
// dependencies; build.sh runs `go build go.universe.tf/metallb/controller`.
package tools

import _ "go.universe.tf/metallb/controller"
