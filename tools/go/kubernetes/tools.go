//go:build tools

// Package tools pins the Kubernetes control-plane binaries the Lattice test bed runs.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
