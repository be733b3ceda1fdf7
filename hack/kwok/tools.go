//go:build tools

// Package tools pins kwok's command so `go mod tidy` keeps what it needs in go.sum.
// kwok fakes nodes and kubelets: pods of Deployments become Running and Ready without
// containers, which makes "surge reached" observable on a machine without a container runtime.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
