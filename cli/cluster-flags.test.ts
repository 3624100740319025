// `lattice render` with LatticeCluster documents: the Cluster API manifests offline, with the
// parent link from --parent-endpoint/--parent-ca-file or from the bootstrap Secret.
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../core/testing/fixtures";
import { CliError } from "./args";
import { run as render } from "./commands/render";

async function capture(argv: string[]) {
  let out = "";
  let err = "";
  const code = await render(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return {
    code,
    out,
    err,
    docs: parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { name: string } }),
  };
}

const CA = join(REPO_ROOT, "core/cluster/__golden__/parent-ca.crt");
const example = (p: string) => join(REPO_ROOT, "examples/clusters", p);

describe("lattice render of LatticeCluster documents", () => {
  it("prints the Cluster API manifests of each example", async () => {
    for (const [file, controlPlane] of [
      ["docker.yaml", "KubeadmControlPlane"],
      ["aws.yaml", "RKE2ControlPlane"],
      ["openstack.yaml", "KubeadmControlPlane"],
      ["proxmox.yaml", "KubeadmControlPlane"],
    ] as const) {
      const r = await capture(["-f", example(file)]);
      expect([file, r.code, r.err]).toEqual([file, 0, ""]);
      expect(r.docs.map((d) => d.kind)).toEqual(expect.arrayContaining(["Cluster", controlPlane, "MachineDeployment"]));
    }
  });

  it("writes the parent's endpoint and CA with --parent-endpoint and --parent-ca-file", async () => {
    const r = await capture([
      "-f",
      example("docker.yaml"),
      "--parent-endpoint",
      "https://cell.example.com:8443",
      "--parent-ca-file",
      CA,
    ]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toContain("https://cell.example.com:8443");
    expect(r.out).toContain("BEGIN CERTIFICATE");
  });

  it("refuses one flag without the other, an unreadable CA file and a plain-http endpoint", async () => {
    await expect(capture(["-f", example("docker.yaml"), "--parent-endpoint", "https://cell:8443"])).rejects.toThrow(
      /go together/,
    );
    await expect(
      capture([
        "-f",
        example("docker.yaml"),
        "--parent-endpoint",
        "https://cell:8443",
        "--parent-ca-file",
        "/nonexistent/ca.crt",
      ]),
    ).rejects.toThrow(CliError);
    await expect(
      capture(["-f", example("docker.yaml"), "--parent-endpoint", "http://cell:8443", "--parent-ca-file", CA]),
    ).rejects.toThrow(/render: compile option cluster: parent\.bootstrapUrl/);
  });
});
