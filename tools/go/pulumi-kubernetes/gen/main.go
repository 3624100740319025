// Command gen writes the two files the provider embeds, as upstream's generate.go does: the
// module's committed schema.json with "version" set, and terraform-mapping.json re-serialized.
//
//	go run ./gen -src <module dir>/cmd/pulumi-resource-kubernetes -version 4.25.0 -out <dir>
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "", "the provider module's cmd/pulumi-resource-kubernetes directory")
	version := flag.String("version", "", "the version stamped into the schema")
	out := flag.String("out", ".", "where to write the embedded files")
	flag.Parse()
	if *src == "" || *version == "" {
		log.Fatal("gen: -src and -version are required")
	}

	var schema map[string]any
	readJSON(filepath.Join(*src, "schema.json"), &schema)
	schema["version"] = *version
	writeJSON(filepath.Join(*out, "schema-embed.json"), schema)

	var mapping any
	readJSON(filepath.Join(*src, "terraform-mapping.json"), &mapping)
	writeJSON(filepath.Join(*out, "terraform-mapping-embed.json"), mapping)
}

func readJSON(path string, v any) {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		log.Fatalf("gen: %s: %v", path, err)
	}
}

func writeJSON(path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatalf("gen: %s: %v", path, err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		log.Fatalf("gen: %v", err)
	}
}
