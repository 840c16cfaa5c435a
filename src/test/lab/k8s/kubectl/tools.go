//go:build tools

// Package tools pins the kubectl command so that `go mod tidy` keeps its dependencies; build.sh runs
// `go build k8s.io/kubernetes/cmd/kubectl`.
package tools

import _ "k8s.io/kubernetes/cmd/kubectl"
