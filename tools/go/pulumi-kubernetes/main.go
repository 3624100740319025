// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider plugin, built from the Go
// module proxy. Upstream's main embeds schema-embed.json and terraform-mapping-embed.json, which
// are generated files absent from the module zip; tools/build generates them (see gen/) into this
// directory's build copy before `go build`, so nothing generated is committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
