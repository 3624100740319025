//go:build tools

// Package tools pins the Cluster API core manager and clusterctl (the reference for move).
package tools

import (
	_ "sigs.k8s.io/cluster-api/cmd/clusterctl"
	_ "sigs.k8s.io/cluster-api/core"
)
