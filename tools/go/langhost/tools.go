//go:build tools

// Package tools pins the nodejs language host. The current host is not served by the Go module
// proxy at its own module path; v3.68.0 is the last release that kept it inside sdk/v3, and it
// runs TypeScript programs under CLI 3.259.0 (see ../shared/TESTBED.md). A test-bed stand-in:
// users run their own Pulumi install.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
