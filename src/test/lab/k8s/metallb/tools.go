//go:build tools

// Package tools pins MetalLB's controller and speaker commands so that `go mod tidy` keeps
// their dependencies; build.sh runs `go build` on both packages from this one module (the
// controller's binary is byte-identical to one built from a controller-only module).
package tools

import (
	_ "go.universe.tf/metallb/controller"
	_ "go.universe.tf/metallb/speaker"
)
