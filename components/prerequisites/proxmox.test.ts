// The Proxmox prerequisites of a LatticeCluster under Pulumi's mocks, through both runners: the
// same host commands (core/cluster/prerequisites/proxmox-scripts.ts), the same triggers, the
// connection and outputs kept secret, and the CAPI objects waiting for both steps. The commands
// themselves run over real SSH in test/integration/cluster/proxmox-template.test.ts.
import { snippetCommands, templateCommands } from "../../core/cluster/prerequisites";
import type { ProxmoxPrerequisiteArgs } from ".";
import { HOST_KEY, leakedSecrets, mockCluster, prerequisiteExample, SECRETS } from "./__support__/clusters";
import type { MockRun } from "./__support__/mock-engine";

jest.setTimeout(60_000);

const doc = prerequisiteExample("proxmox");
const settings = (runner: ProxmoxPrerequisiteArgs["runner"]): ProxmoxPrerequisiteArgs => ({
  ssh: { host: "pve1.lab.example", hostKey: HOST_KEY, privateKey: SECRETS.sshPrivateKey },
  imageUrl: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
  snippets: { "vendor.yaml": "#cloud-config\npackages: [qemu-guest-agent]\n" },
  runner,
});
const recipe = {
  vmid: 9000,
  imageUrl: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
  imageSha256: undefined,
  storage: "local-lvm",
  bridge: "vmbr0",
  workDir: "/var/lib/vz/lattice",
};

describe.each([
  ["lattice-ssh", "pulumi-nodejs:dynamic/lattice:RemoteCommand", ["connection", "stdout", "stderr"]],
  ["pulumi-command", "command:remote:Command", ["connection", "stdout", "stderr"]],
] as const)("runner %s", (runner, type, secretOutputs) => {
  let run: MockRun;
  beforeAll(async () => {
    run = await mockCluster("lab", doc, { prerequisites: { proxmox: settings(runner) } });
  });

  test("the template and snippets steps carry the core commands and their triggers", () => {
    const template = run.byName("lab-template");
    const snippets = run.byName("lab-snippets");
    expect([template.type, snippets.type]).toEqual([type, type]);
    const commands = templateCommands(recipe);
    expect([template.inputs.create, template.inputs.delete]).toEqual([commands.create, commands.delete]);
    expect(template.inputs.triggers).toEqual(["pve1.lab.example", 22, 9000]);
    const files = snippetCommands("local", "clusters-edge-lab", settings(runner).snippets!);
    expect([snippets.inputs.create, snippets.inputs.delete]).toEqual([files.create, files.delete]);
    expect(snippets.inputs.triggers).toEqual(["pve1.lab.example", 22, "local"]);
  });

  test("the connection is a secret input, stdout/stderr secret outputs, the host key pinned", () => {
    for (const r of [run.byName("lab-template"), run.byName("lab-snippets")]) {
      expect(r.secretPaths).toContain("connection");
      expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining([...secretOutputs]));
      expect(r.inputs.connection).toMatchObject({
        host: "pve1.lab.example",
        port: 22,
        user: "root",
        hostKey: HOST_KEY,
        privateKey: SECRETS.sshPrivateKey,
      });
    }
    expect(leakedSecrets(run)).toEqual([]);
  });

  test("the CAPI objects depend on both steps", () => {
    const cluster = run.byName("lab-capi");
    expect(cluster.dependencies).toEqual(
      expect.arrayContaining([run.byName("lab-template").urn, run.byName("lab-snippets").urn]),
    );
  });
});

test("a bad setting is refused with its path, before anything is registered", async () => {
  const bad = { ...settings("lattice-ssh"), ssh: { ...settings("lattice-ssh").ssh, hostKey: "yes please" } };
  await expect(mockCluster("bad", doc, { prerequisites: { proxmox: bad } })).rejects.toThrow(
    /prerequisites\.proxmox\.ssh\.hostKey: expected an OpenSSH public key/,
  );
});

test("settings without spec.prerequisites: create are refused, not ignored", async () => {
  const existing = { ...doc, spec: { ...doc.spec, prerequisites: "existing" as const } };
  await expect(
    mockCluster("existing", existing, { prerequisites: { proxmox: settings("lattice-ssh") } }),
  ).rejects.toThrow(/prerequisites: settings were given, but spec\.prerequisites is not "create"/);
});
