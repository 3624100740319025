//go:build tools

// Package tools pins the Kubernetes binaries the Lattice test bed runs: the control plane, the
// scheduler that places pods for the pod simulator, and the kubectl that the machine simulator runs
// a node's post-bootstrap script with.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
