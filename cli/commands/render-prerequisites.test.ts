// `lattice render` of clusters with spec.prerequisites: create: the prerequisite resources are
// listed before the CAPI objects, as YAML comments (so the stream still parses), or on stderr for
// --output json; clusters without it get no listing.
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { planPrerequisites } from "../../core/cluster/prerequisites";
import type { LatticeCluster } from "../../core/spec";
import { loadValid, REPO_ROOT } from "../../core/testing/fixtures";
import { run as render } from "./render";

async function capture(argv: string[]) {
  let out = "";
  let err = "";
  const code = await render(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const ex = (p: string) => join(REPO_ROOT, "examples", p);

test.each(["aws", "openstack", "proxmox"])("%s: every planned step is listed before the first object", async (p) => {
  const r = await capture(["-f", ex(`prerequisites/${p}.yaml`)]);
  expect([r.code, r.err]).toEqual([0, ""]);
  const head = r.out.slice(0, r.out.indexOf("---"));
  const doc = loadValid(`examples/prerequisites/${p}.yaml`)[0]!.doc as LatticeCluster;
  const plan = planPrerequisites(doc, { namespace: "default" })!;
  const listed = head
    .split("\n")
    .filter((l) => l.startsWith("#   "))
    .map((l) => l.trim().split(/\s+/));
  expect(listed.map((words) => (words[1] === "lookup" ? words[3] : words[2]))).toEqual(plan.steps.map((s) => s.key));
  expect(head.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([]);
  const kinds = parseAllDocuments(r.out).map((d) => (d.toJS() as { kind: string }).kind);
  expect(kinds).toEqual(expect.arrayContaining(["Cluster", "MachineDeployment"]));
});

test("the listing names the cloud resources a person looks for", async () => {
  const r = await capture(["-f", ex("prerequisites/aws.yaml")]);
  for (const expected of [
    "aws:iam/role:Role",
    "IAM instance profile nodes.cluster-api-provider-aws.sigs.k8s.io",
    "EC2 key pair lattice-staging-eu in eu-west-1",
    "Secret capa-system/capa-lattice-credentials",
  ])
    expect(r.out).toContain(expected);
});

test("--output json keeps stdout to objects and lists the prerequisites on stderr", async () => {
  const r = await capture(["-o", "json", "-f", ex("prerequisites/proxmox.yaml")]);
  expect(r.code).toBe(0);
  expect(
    r.out
      .trim()
      .split("\n")
      .every((l) => JSON.parse(l).kind),
  ).toBe(true);
  expect(r.err).toMatch(/pulumi-nodejs:dynamic\/lattice:RemoteCommand +template +VM template 9000 on pve1/);
});

test("a cluster without spec.prerequisites: create gets no listing", async () => {
  const r = await capture(["-f", ex("clusters/aws.yaml")]);
  expect([r.code, r.out.startsWith("---")]).toEqual([0, true]);
  expect(r.out).not.toContain("# LatticeCluster");
});
