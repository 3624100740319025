// The Proxmox prerequisites of examples/prerequisites/proxmox.yaml — exactly what LatticeCluster
// registers for them (components/prerequisites), without the cluster itself — against the host
// named by the stack's config: an sshd on 127.0.0.1 whose PATH finds the stand-in Proxmox tools.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { clusterPrerequisites } from "../../../components/prerequisites";
import { validateDocument, type LatticeCluster } from "../../../core/spec";

const config = new pulumi.Config();
const example = parse(readFileSync(path.join(__dirname, "../../../examples/prerequisites/proxmox.yaml"), "utf8"));
const validated = validateDocument(example, { file: "examples/prerequisites/proxmox.yaml", doc: 1 }, "LatticeCluster");
if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
const doc: LatticeCluster = validated.value;

class Host extends pulumi.ComponentResource {
  constructor() {
    super("lattice:test:ProxmoxHost", "lab", {});
  }
}
const scope = new Host();
const created = clusterPrerequisites(
  doc,
  {
    scope,
    name: "lab",
    namespace: "default",
    parentProvider: () => {
      throw new Error("Proxmox prerequisites write nothing into the parent");
    },
    credentialsGiven: false,
  },
  {
    proxmox: {
      ssh: {
        host: config.require("host"),
        port: config.requireNumber("port"),
        user: config.require("user"),
        hostKey: config.require("hostKey"),
        privateKey: config.requireSecret("privateKey"),
      },
      imageUrl: config.require("imageUrl"),
      workDir: config.require("workDir"),
      snippets: { "vendor.yaml": config.require("snippet") },
      environment: {
        PATH: `${config.require("standInBin")}:/usr/sbin:/usr/bin:/sbin:/bin`,
        ...(config.get("note") ? { LATTICE_TEST_NOTE: config.require("note") } : {}),
      },
    },
  },
);

export const prerequisites = created?.outputs;
