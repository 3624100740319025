//go:build tools

// Package tools pins the Pulumi CLI (engine) the Lattice test bed runs.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
