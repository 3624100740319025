// The node-side bootstrap script, run for real: POSIX sh with the system's curl and openssl against
// a real HTTPS server standing in for the cell's bootstrap endpoint (TLS with its own CA), and a
// stub kubectl that keeps the child cluster's objects as files and logs every command line. What it
// shows: one node redeems, the CSR passes the cell's own check (agent/pki/csr.ts), the private key
// stays on the node, the token is sent only in the Authorization header and is in no command line
// or log, later nodes skip, refusals release the claim. On loopback; paths under a temp directory.
//
// Also: kube-vip's kubeadm-init kubeconfig swap (core/cluster/kube-vip.ts) run with the real sed.
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { checkAgentCsr } from "../../../agent/pki/csr";
import {
  AGENT_KEY_SECRET,
  AGENT_NAMESPACE,
  BOOTSTRAP_CLAIM_CONFIGMAP,
  BOOTSTRAP_PATH,
  BOOTSTRAP_TOKEN_SPENT,
  NODE_PATHS,
  renderBootstrapScript,
} from "../../../core/cluster";
import { kubeVip } from "../../../core/cluster/kube-vip";
import { createCa, type Ca } from "../../harness/pki";
import { removeDir } from "../../harness/processes";

jest.setTimeout(60_000);

const CLUSTER = "edge-1";
const TOKEN = "lt1.TfQ8mX2pL0aV7cN4yR1sK9eW3bH6uJ5dG8zQ2tY7vE0";

// A kubectl that keeps objects as files under $STATE: enough for the script's commands.
const STUB_KUBECTL = `#!/bin/sh
printf '%s\\n' "$*" >> "$STATE/kubectl.log"
ns=default
if [ "$1" = -n ]; then ns=$2; shift 2; fi
case "$1 $2" in
  "get --raw=/readyz") exit 0 ;;
  "get secret") [ -f "$STATE/secret.$ns.$3" ] ;;
  "get configmap") [ -d "$STATE/configmap.$ns.$3" ] ;;
  "create configmap") mkdir "$STATE/configmap.$ns.$3" 2>/dev/null ;;
  "delete configmap") rm -rf "$STATE/configmap.$ns.$3" ;;
  "create namespace") touch "$STATE/namespace.$3" ;;
  "create secret") cp "\${5#--from-file=tls.key=}" "$STATE/secret.$ns.$4" ;;
  "apply -f") [ ! -f "$STATE/fail-apply" ] && cp "$3" "$STATE/applied.json" ;;
  *) echo "stub kubectl: unexpected: $*" >&2; exit 2 ;;
esac
`;

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

interface Cell {
  url: string;
  received: Received[];
  respond: (r: Received) => { status: number; body: string };
  close(): Promise<void>;
}

async function startCell(ca: Ca): Promise<Cell> {
  const serving = await ca.sign({
    commonName: "lattice-cell",
    ipAddresses: ["127.0.0.1"],
    dnsNames: ["localhost"],
    usage: "server",
  });
  const cell: Cell = {
    url: "",
    received: [],
    respond: () => ({ status: 500, body: "unset" }),
    close: async () => undefined,
  };
  const server = https.createServer({ cert: serving.cert, key: serving.key, minVersion: "TLSv1.2" }, (req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
      };
      cell.received.push(r);
      const { status, body: out } = cell.respond(r);
      res.writeHead(status, { "content-type": "application/json" }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cell.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cell.close = () => new Promise((resolve) => server.close(() => resolve()));
  return cell;
}

/** A control-plane node: its /etc/lattice files under a temp root, the shared child "cluster" state. */
function node(
  root: string,
  name: string,
  state: string,
  cell: Cell,
  caPem: string,
  token = TOKEN,
): { run: () => Promise<{ code: number; out: string }>; dir: string } {
  const dir = path.join(root, name);
  const etc = path.join(dir, "etc/lattice");
  const bin = path.join(dir, "bin");
  mkdirSync(etc, { recursive: true });
  mkdirSync(bin, { recursive: true });
  const at = (p: string) => path.join(dir, p);
  writeFileSync(at(NODE_PATHS.token), token, { mode: 0o600 });
  writeFileSync(at(NODE_PATHS.endpoint), cell.url + "\n");
  writeFileSync(at(NODE_PATHS.caCert), caPem);
  // The script as rendered, with /etc/lattice moved under this node's directory and kubectl stubbed.
  const script = renderBootstrapScript(CLUSTER, {
    kubectl: path.join(bin, "kubectl"),
    kubeconfig: "/nonexistent/admin.conf",
  }).replaceAll("/etc/lattice/", etc + "/");
  writeFileSync(at(NODE_PATHS.script), script, { mode: 0o700 });
  writeFileSync(path.join(bin, "kubectl"), STUB_KUBECTL);
  chmodSync(path.join(bin, "kubectl"), 0o755);
  const run = () =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        "/bin/sh",
        [at(NODE_PATHS.script)],
        { env: { PATH: process.env.PATH, STATE: state, HOME: dir } },
        (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
        },
      );
    });
  return { run, dir };
}

describe("the node bootstrap script against a cell on loopback", () => {
  let root: string;
  let ca: Ca;
  let cell: Cell;
  let state: string;
  const list = {
    apiVersion: "v1",
    kind: "List",
    items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: AGENT_NAMESPACE } }],
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "lattice-bootstrap-script-"));
    ca = await createCa("lattice-cell-ca-test");
    cell = await startCell(ca);
  });
  afterAll(async () => {
    await cell?.close();
    removeDir(root);
  });
  beforeEach(() => {
    state = mkdtempSync(path.join(root, "cluster-"));
    cell.received.length = 0;
  });

  it("is ordinary POSIX sh", async () => {
    const n = node(root, "lint", state, cell, ca.cert);
    await new Promise<void>((resolve, reject) =>
      execFile("/bin/sh", ["-n", path.join(n.dir, NODE_PATHS.script)], (e) => (e ? reject(e) : resolve())),
    );
  });

  it("the first node redeems: CSR accepted by the cell's check, key kept on the node, token only in the header", async () => {
    cell.respond = () => ({ status: 200, body: JSON.stringify(list) });
    const first = node(root, "cp-1", state, cell, ca.cert);
    const { code, out } = await first.run();
    expect([code, out]).toEqual([0, expect.stringContaining(`the agent of ${CLUSTER} is bootstrapped`)]);

    expect(cell.received).toHaveLength(1);
    const req = cell.received[0] as Received;
    expect([req.method, req.url, req.authorization, req.contentType]).toEqual([
      "POST",
      BOOTSTRAP_PATH,
      `Bearer ${TOKEN}`,
      "application/json",
    ]);
    const body = JSON.parse(req.body) as { cluster: string; csr: string };
    expect(Object.keys(body).sort()).toEqual(["cluster", "csr"]);
    expect(body.cluster).toBe(CLUSTER);
    const csr = await checkAgentCsr(body.csr, CLUSTER);
    expect(req.body).not.toContain("PRIVATE KEY");
    expect(req.body).not.toContain(TOKEN);

    // The key stored in the child is the CSR's key.
    const key = readFileSync(path.join(state, `secret.${AGENT_NAMESPACE}.${AGENT_KEY_SECRET}`), "utf8");
    const publicDer = createPublicKey(createPrivateKey(key)).export({ type: "spki", format: "der" });
    expect(Buffer.from(publicDer).equals(Buffer.from(csr.publicKey.rawData))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(state, "applied.json"), "utf8"))).toEqual(list);

    expect(existsSync(path.join(first.dir, NODE_PATHS.token))).toBe(false);
    expect(existsSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`))).toBe(true);
    const log = readFileSync(path.join(state, "kubectl.log"), "utf8");
    expect(log).not.toContain(TOKEN);
    expect(out).not.toContain(TOKEN);
  });

  it("a later control-plane node sees the agent and does not redeem", async () => {
    cell.respond = () => ({ status: 200, body: JSON.stringify(list) });
    expect((await node(root, "cp-1", state, cell, ca.cert).run()).code).toBe(0);
    const second = node(root, "cp-2", state, cell, ca.cert);
    const { code, out } = await second.run();
    expect([code, out]).toEqual([0, expect.stringContaining("already bootstrapped")]);
    expect(cell.received).toHaveLength(1);
    expect(existsSync(path.join(second.dir, NODE_PATHS.token))).toBe(false);
  });

  it("a node given the spent marker (the parent scrubbed the token) skips when the agent runs", async () => {
    cell.respond = () => ({ status: 200, body: JSON.stringify(list) });
    expect((await node(root, "cp-1", state, cell, ca.cert).run()).code).toBe(0);
    const later = node(root, "cp-7", state, cell, ca.cert, BOOTSTRAP_TOKEN_SPENT);
    const { code, out } = await later.run();
    expect([code, out]).toEqual([0, expect.stringContaining("already bootstrapped")]);
    expect(cell.received).toHaveLength(1);
  });

  it("a node given the spent marker without an agent asks for a fresh token and sends nothing", async () => {
    const n = node(root, "cp-8", state, cell, ca.cert, BOOTSTRAP_TOKEN_SPENT);
    const { code, out } = await n.run();
    expect(code).not.toBe(0);
    expect(out).toContain("a fresh token is needed");
    expect(cell.received).toHaveLength(0);
    expect(existsSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`))).toBe(false);
    expect(existsSync(path.join(n.dir, NODE_PATHS.token))).toBe(false);
  });

  it("a node that finds the claim held elsewhere stops and keeps its token for a retry", async () => {
    mkdirSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`));
    const other = node(root, "cp-3", state, cell, ca.cert);
    const { code, out } = await other.run();
    expect([code, out]).toEqual([0, expect.stringContaining("another control-plane node holds")]);
    expect(cell.received).toHaveLength(0);
    expect(existsSync(path.join(other.dir, NODE_PATHS.token))).toBe(true);
  });

  it("a refused token fails the script, logs the cell's message without the token and releases the claim", async () => {
    cell.respond = () => ({ status: 409, body: JSON.stringify({ error: "the bootstrap token was already used" }) });
    const n = node(root, "cp-4", state, cell, ca.cert);
    const { code, out } = await n.run();
    expect(code).not.toBe(0);
    expect(out).toContain("answered HTTP 409");
    expect(out).toContain("already used");
    expect(out).not.toContain(TOKEN);
    expect(existsSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`))).toBe(false);
    expect(existsSync(path.join(state, `secret.${AGENT_NAMESPACE}.${AGENT_KEY_SECRET}`))).toBe(false);
    expect(existsSync(path.join(n.dir, NODE_PATHS.token))).toBe(false); // spent or refused: gone
  });

  it("a failure after redemption says the token is spent, stores no key and releases the claim", async () => {
    cell.respond = () => ({ status: 200, body: JSON.stringify(list) });
    writeFileSync(path.join(state, "fail-apply"), "");
    const n = node(root, "cp-6", state, cell, ca.cert);
    const { code, out } = await n.run();
    expect(code).not.toBe(0);
    expect(out).toContain("the token is spent but the agent did not start");
    expect(cell.received).toHaveLength(1);
    expect(existsSync(path.join(state, `secret.${AGENT_NAMESPACE}.${AGENT_KEY_SECRET}`))).toBe(false);
    expect(existsSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`))).toBe(false);
  });

  it("a cell whose certificate the parent's CA did not sign gets nothing, and the token stays", async () => {
    const stranger = await createCa("someone-else");
    const n = node(root, "cp-5", state, cell, stranger.cert);
    const { code, out } = await n.run();
    expect(code).not.toBe(0);
    expect(out).toContain("cannot reach");
    expect(cell.received).toHaveLength(0);
    expect(existsSync(path.join(state, `configmap.kube-system.${BOOTSTRAP_CLAIM_CONFIGMAP}`))).toBe(false);
    expect(existsSync(path.join(n.dir, NODE_PATHS.token))).toBe(true);
  });
});

describe("kube-vip's kubeconfig swap around kubeadm init, with the real sed", () => {
  const setup = kubeVip("kubeadm", "10.0.0.100", undefined, "ghcr.io/kube-vip/kube-vip:v1.0.3");
  const manifestPath = (setup.files[0] as { path: string }).path;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "lattice-kube-vip-"))));
  afterEach(() => removeDir(dir));

  const run = (command: string) =>
    new Promise<void>((resolve, reject) =>
      execFile(
        "/bin/sh",
        [
          "-c",
          command.replaceAll(manifestPath, path.join(dir, "kube-vip.yaml")).replaceAll("/run/kubeadm/", dir + "/"),
        ],
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  const paths = () => {
    const pod = parse(readFileSync(path.join(dir, "kube-vip.yaml"), "utf8")) as {
      spec: { volumes: { hostPath: { path: string } }[]; containers: { volumeMounts: { mountPath: string }[] }[] };
    };
    return [pod.spec.volumes[0]?.hostPath.path, pod.spec.containers[0]?.volumeMounts[0]?.mountPath];
  };

  it("uses super-admin.conf during init and admin.conf after; the mount inside the pod never moves", async () => {
    writeFileSync(path.join(dir, "kube-vip.yaml"), (setup.files[0] as { content: string }).content);
    writeFileSync(path.join(dir, "kubeadm.yaml"), "init");
    await run(setup.preCommands[0] as string);
    expect(paths()).toEqual(["/etc/kubernetes/super-admin.conf", "/etc/kubernetes/admin.conf"]);
    await run(setup.postCommands[0] as string);
    expect(paths()).toEqual(["/etc/kubernetes/admin.conf", "/etc/kubernetes/admin.conf"]);
  });

  it("leaves joining nodes (no kubeadm init config) on admin.conf", async () => {
    writeFileSync(path.join(dir, "kube-vip.yaml"), (setup.files[0] as { content: string }).content);
    await run(setup.preCommands[0] as string);
    expect(paths()).toEqual(["/etc/kubernetes/admin.conf", "/etc/kubernetes/admin.conf"]);
  });
});
