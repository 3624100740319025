// The Proxmox prerequisites of a LatticeCluster through the real Pulumi engine and Lattice's
// RemoteCommand provider, over real SSH (an sshd on 127.0.0.1 with its own keys), against a host
// whose Proxmox tools are stand-ins that record every call (test/harness/proxmox-host.ts) and
// whose cloud images come from a local HTTP server. Checked on the host, not in the engine summary:
// the template is built once; a second `up` runs nothing; re-running the commands changes nothing;
// a new image URL rebuilds the template; destroy removes what was made; secrets stay secret.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { snippetCommands, templateCommands } from "../../../core/cluster/prerequisites";
import * as impl from "../../../providers/remote-command/impl";
import { proxmoxHost, type ProxmoxHost } from "../../harness/proxmox-host";
import { openStack, stepsOf, type TestStack } from "../../harness/pulumi";
import { startSshd, type Sshd } from "../../harness/sshd";
import { ROOT } from "../../harness/tools";

jest.setTimeout(240_000);

const PROGRAM = path.join(ROOT, "test", "programs", "proxmox-template");
const IMAGES: Record<string, string> = { "/noble.img": "NOBLE-CLOUD-IMAGE", "/jammy.img": "JAMMY-CLOUD-IMAGE" };
const SNIPPET = "#cloud-config\npackages: [qemu-guest-agent]\n";

let sshd: Sshd;
let host: ProxmoxHost;
let images: http.Server;
let stack: TestStack;
const served: string[] = [];
let base = "";

beforeAll(async () => {
  sshd = await startSshd({ name: "proxmox" });
  host = proxmoxHost({ local: "iso,vztmpl,backup" });
  images = http.createServer((req, res) => {
    served.push(req.url ?? "");
    const body = IMAGES[req.url ?? ""];
    res.writeHead(body ? 200 : 404).end(body ?? "not found");
  });
  await new Promise<void>((r) => images.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  stack = await openStack({
    workDir: PROGRAM,
    stackName: "proxmox",
    config: {
      host: { value: sshd.host },
      port: { value: String(sshd.port) },
      user: { value: sshd.user },
      hostKey: { value: sshd.hostKey },
      privateKey: { value: sshd.privateKey, secret: true },
      imageUrl: { value: `${base}/noble.img` },
      workDir: { value: path.join(host.dir, "work") },
      standInBin: { value: host.bin },
      snippet: { value: SNIPPET },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await new Promise((r) => images?.close(r));
  await sshd?.stop();
  host?.dispose();
});

const COMMAND = "pulumi-nodejs:dynamic/lattice:RemoteCommand";
/** The calls made since `from`, without the read-only ones. */
const changesSince = (from: number) =>
  host
    .calls()
    .slice(from)
    .filter((c) => !/^(qm config|pvesh get|pvesm path) /.test(c));

test("up builds template 9000 from the image and enables snippets, over SSH", async () => {
  const res = await stack.up();
  expect(stepsOf(res.events).filter((s) => s.type === COMMAND && s.op === "create")).toHaveLength(2);
  // The snippet storage and the template are independent resources that run side by side, so only the order
  // within the template's own commands is fixed.
  const changes = changesSince(0);
  expect(changes.filter((c) => c.startsWith("pvesm "))).toEqual([
    "pvesm set local --content iso,vztmpl,backup,snippets",
  ]);
  expect(changes.filter((c) => c.startsWith("qm "))).toEqual([
    expect.stringMatching(
      /^qm create 9000 --name lattice-template-9000 .* --description lattice-template-[0-9a-f]{16}$/,
    ),
    expect.stringMatching(/^qm set 9000 --scsi0 local-lvm:0,import-from=.*\/work\/image-[0-9a-f]{16}\.img$/),
    "qm set 9000 --ide2 local-lvm:cloudinit --boot order=scsi0",
    "qm template 9000",
  ]);
  expect(host.vmConfig(9000)).toContain("imported: NOBLE-CLOUD-IMAGE");
  expect(host.vmConfig(9000)).toMatch(/^template: 1$/m);
  expect(served).toEqual(["/noble.img"]);
  expect(host.storageContent("local")).toBe("iso,vztmpl,backup,snippets");
  expect(readFileSync(path.join(host.snippetsDir, "vendor.yaml"), "utf8")).toBe(SNIPPET);
  expect(readdirSync(path.join(host.dir, "work"))).toEqual([]); // the download is removed after the import
});

test("a second up changes nothing: no command runs", async () => {
  const before = host.calls().length;
  const res = await stack.up();
  expect(stepsOf(res.events).filter((s) => s.op !== "same")).toEqual([]);
  expect(host.calls().length).toBe(before);
  expect(served).toEqual(["/noble.img"]);
});

test("the commands themselves are safe to re-run: a second run only looks", async () => {
  // What an update with the same recipe does (or a run after a lost state): the same commands again.
  const connection = {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKey,
  };
  const env = { PATH: `${host.bin}:/usr/sbin:/usr/bin:/sbin:/bin` };
  const recipe = {
    vmid: 9000,
    imageUrl: `${base}/noble.img`,
    storage: "local-lvm",
    bridge: "vmbr0",
    workDir: path.join(host.dir, "work"),
  };
  const config = host.vmConfig(9000);
  const before = host.calls().length;
  const template = await impl.create({ connection, create: templateCommands(recipe, env).create });
  const snippets = await impl.create({
    connection,
    create: snippetCommands("local", "default-edge-lab", { "vendor.yaml": SNIPPET }, env).create,
  });
  expect(template.outs?.stdout).toMatch(/^template 9000 is up to date/);
  expect(snippets.outs?.stdout).toBe("vendor.yaml unchanged\n");
  expect(host.calls().length).toBeGreaterThan(before); // they did run…
  expect(changesSince(before)).toEqual([]); // …and only looked
  expect(host.vmConfig(9000)).toBe(config);
  expect(served).toEqual(["/noble.img"]);
});

test("a changed image URL rebuilds the template from the new image", async () => {
  const before = host.calls().length;
  const stamp = /lattice-template-[0-9a-f]{16}/.exec(host.vmConfig(9000)!)![0];
  await stack.setConfig({ imageUrl: { value: `${base}/jammy.img` } });
  const res = await stack.up();
  // (The default dynamic provider is "updated" too: its inputs are the stack's config.)
  expect(stepsOf(res.events).filter((s) => s.op !== "same" && !s.type.startsWith("pulumi:providers:"))).toEqual([
    expect.objectContaining({ op: "update", type: COMMAND, urn: expect.stringMatching(/lab-template$/) }),
  ]);
  expect(changesSince(before)).toEqual([
    "qm destroy 9000 --purge",
    expect.stringMatching(/^qm create 9000 /),
    expect.stringMatching(/^qm set 9000 --scsi0 /),
    "qm set 9000 --ide2 local-lvm:cloudinit --boot order=scsi0",
    "qm template 9000",
  ]);
  expect(host.vmConfig(9000)).toContain("imported: JAMMY-CLOUD-IMAGE");
  expect(host.vmConfig(9000)).not.toContain(stamp);
  expect(served).toEqual(["/noble.img", "/jammy.img"]);
});

function stateText(): string {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
  return files(stack.stateDir)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

test("the private key and the commands' output are secrets in the state", () => {
  const state = stateText();
  expect(state.includes("lattice:RemoteCommand")).toBe(true); // reading the right files
  // The commands' own output (the commands' text, an input, says "$vmid" and "$storage" instead).
  const leaked = [sshd.privateKey.split("\n")[1]!, "template 9000 built from", "enabled snippets on local"];
  expect(leaked.filter((s) => state.includes(s))).toEqual([]);
});

test("destroy removes the template and the snippets it uploaded", async () => {
  await stack.destroy();
  expect(host.vmConfig(9000)).toBeUndefined();
  expect(readdirSync(host.snippetsDir)).toEqual([]);
});

test("a VM with the template's id that Lattice did not build is never touched", async () => {
  const foreign = "name: someone-elses-vm\ndescription: production database\n";
  writeFileSync(path.join(host.dir, "vms", "9000.conf"), foreign);
  const connection = {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKey,
  };
  const commands = templateCommands(
    { vmid: 9000, imageUrl: `${base}/noble.img`, storage: "local-lvm", bridge: "vmbr0", workDir: host.dir },
    { PATH: `${host.bin}:/usr/bin:/bin` },
  );
  await expect(impl.create({ connection, create: commands.create })).rejects.toThrow(
    /exit code 3:\nVM 9000 exists and was not built by Lattice: not touching it/,
  );
  await impl.delete("id", { connection, create: commands.create, delete: commands.delete, stdout: "", stderr: "" });
  expect(host.vmConfig(9000)).toBe(foreign);
});
