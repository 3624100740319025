//go:build tools

// Package tools pins the Kubernetes binaries the Lattice test bed runs: the control plane, and the
// kubectl that the machine simulator runs a node's post-bootstrap script with.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
