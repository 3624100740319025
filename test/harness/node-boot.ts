// TEST-ONLY: what a simulated control-plane node does after kubeadm, and the one pod the link needs.
//   runPostBootstrap  runs the node's REAL post-kubeadm commands (the rendered bootstrap script)
//                     with the real sh, curl, openssl and kubectl, in a mount and UTS namespace where
//                     /etc is an overlay: the bootstrap data's files are written into it, and
//                     /etc/kubernetes/admin.conf points at the child API server, as on a node.
//                     Nothing is written to the host's /etc.
//   startAgentKubelet plays the kubelet for the agent's Deployment only: when the bootstrap has
//                     applied it to the child, it starts `bin/lattice agent` as a real process with
//                     the Deployment's arguments and the child's kubeconfig.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ControlPlane } from "./controlplane";
import type { NodeBoot } from "./machine-simulator";
import { removeDir, startProcess, type Proc } from "./processes";
import { ROOT, TOOLS_BIN } from "./tools";

const exec = promisify(execFile);

/** Run the node's post-bootstrap commands; resolves with their combined output. */
export async function runPostBootstrap(boot: NodeBoot): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lattice-node-${boot.machine}-`));
  try {
    const upper = path.join(dir, "upper");
    for (const [file, content] of Object.entries(boot.files)) {
      if (!file.startsWith("/etc/"))
        throw new Error(`node-boot: ${file} is outside /etc, which the simulated node cannot hold`);
      const target = path.join(upper, file.slice("/etc/".length));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: 0o600 });
    }
    mkdirSync(path.join(upper, "kubernetes"), { recursive: true });
    writeFileSync(path.join(upper, "kubernetes", "admin.conf"), boot.child.kubeconfig, { mode: 0o600 });
    mkdirSync(path.join(dir, "work"));
    const script = [
      "set -e",
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${upper},workdir=${path.join(dir, "work")} /etc`,
      `hostname ${boot.machine}`,
      ...boot.commands,
    ].join("\n");
    const env = { PATH: `${TOOLS_BIN}:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: dir, TMPDIR: dir };
    const { stdout, stderr } = await exec(
      "unshare",
      ["--mount", "--uts", "--propagation", "private", "/bin/sh", "-c", script],
      { env, timeout: 600_000 },
    );
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `post-bootstrap commands of ${boot.machine} failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`,
    );
  } finally {
    removeDir(dir);
  }
}

/** The simulated kubelet of the agent pod in each child. */
export interface AgentKubelet {
  readonly agents: ReadonlyMap<string, Proc>;
  stop(): Promise<void>;
}

/** Watch the children for the agent's Deployment and run one agent process per child. */
export function startAgentKubelet(
  children: () => Iterable<[string, ControlPlane]>,
  namespace = "lattice-system",
  name = "lattice-agent",
): AgentKubelet {
  const agents = new Map<string, Proc>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const [cluster, child] of children()) {
        const running = agents.get(cluster);
        if (running?.isRunning()) {
          // The pod runs on the cluster's nodes: when the last one is gone, so is the agent.
          const nodes = await child.client.list("v1", "Node").catch(() => undefined);
          if (nodes && nodes.length === 0) await running.stop();
          continue;
        }
        const dep = await child.client
          .getOrUndefined({ apiVersion: "apps/v1", kind: "Deployment", name, namespace })
          .catch(() => undefined);
        if (!dep) continue;
        const container = (dep.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec
          .containers[0]!;
        const args = [...(container.args ?? []), "--kubeconfig", child.kubeconfigPath];
        agents.set(
          cluster,
          startProcess(`${cluster}/agent`, path.join(ROOT, "bin", "lattice"), args, path.join(child.dir, "agent.log")),
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    agents,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...agents.values()].map((p) => p.stop()));
    },
  };
}
