//go:build tools

// Package tools pins etcd at the version Kubernetes 1.36.3 is tested with.
package tools

import _ "go.etcd.io/etcd/server/v3"
