// A network namespace for the child: the agent runs inside it and can reach the parent's cell over
// a veth pair, while nothing in the namespace listens on a routable address. The child's API server
// (a harness process in the root namespace) is made local to the namespace through a Unix socket —
// reachable across network namespaces because it is a file — so the agent sees it on 127.0.0.1
// exactly as a real agent sees its own cluster's API.
//
//   root ns:  cell on <hostIp>:port  ◄── veth ──  netns: agent ── 127.0.0.1:<api> ─┐
//             kube-apiserver 127.0.0.1:<api> ◄── unix socket ◄── forwarder (netns) ◄┘
//
// Needs root (network namespaces and veth pairs) and iproute2's `ip` (Makefile system-deps installs
// it). There is no fallback: when a namespace cannot be made, createChildNetwork throws saying why
// and what to do, so the test fails loudly instead of quietly testing something else.
import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import * as path from "node:path";
import { nodePath } from "../../../harness/tools";
import { startProcess, type Proc } from "../../../harness/processes";

/** Where the child runs: its own network namespace. */
export interface ChildNetwork {
  readonly name: string;
  /** The parent side's address (the cell listens here). */
  readonly hostIp: string;
  /** The child side's address. */
  readonly childIp: string;
  /** A command line run inside the child's namespace. */
  wrap(cmd: string[]): string[];
  /** Make 127.0.0.1:<port> inside the namespace reach 127.0.0.1:<port> of the root namespace. */
  forward(port: number): Promise<void>;
  destroy(): Promise<void>;
}

/** iproute2's ip, where Debian installs it; an error that says how to get it otherwise. */
function ipPath(): string {
  for (const p of ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error("iproute2's `ip` is not installed: run `make system-deps` (as root), which installs it");
}
const IP = ipPath();
const live = new Set<string>();
let exitHook = false;

function ip(args: string[]): string {
  return execFileSync(IP, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Why a command failed: its stderr's first line. */
function reason(e: unknown): string {
  const err = e as { stderr?: string | Buffer; message?: string };
  const text = String(err.stderr ?? "").trim() || String(err.message ?? e);
  return text.split("\n")[0] ?? "failed";
}

/** A namespace with a veth pair to the root namespace; throws, saying why, when one cannot be made. */
export async function createChildNetwork(dir: string): Promise<ChildNetwork> {
  const id = randomBytes(3).toString("hex");
  const name = `lt-${id}`;
  const third = 1 + (parseInt(id.slice(0, 2), 16) % 250);
  const hostIp = `10.231.${third}.1`;
  const childIp = `10.231.${third}.2`;
  const vh = `lvh${id}`;
  const vc = `lvc${id}`;
  try {
    ip(["netns", "add", name]);
    live.add(name);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const n of live)
          try {
            ip(["netns", "del", n]);
          } catch {
            /* gone */
          }
      });
    }
    ip(["link", "add", vh, "type", "veth", "peer", "name", vc]);
    ip(["link", "set", vc, "netns", name]);
    ip(["addr", "add", `${hostIp}/30`, "dev", vh]);
    ip(["link", "set", vh, "up"]);
    ip(["-n", name, "addr", "add", `${childIp}/30`, "dev", vc]);
    ip(["-n", name, "link", "set", vc, "up"]);
    ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (e) {
    try {
      ip(["netns", "del", name]);
    } catch {
      /* never made */
    }
    try {
      ip(["link", "del", vh]);
    } catch {
      /* never made */
    }
    live.delete(name);
    throw new Error(
      `cannot put the child in its own network namespace (${IP} netns/link: ${reason(e)}). The link test ` +
        `needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (network namespaces and veth pairs) and iproute2 ` +
        `(make system-deps); run it where those are available, it has no loopback fallback`,
    );
  }
  const procs: Proc[] = [];
  const servers: net.Server[] = [];
  return {
    name,
    hostIp,
    childIp,
    wrap: (cmd) => [IP, "netns", "exec", name, ...cmd],
    async forward(port) {
      const sock = path.join(dir, `api-${port}.sock`);
      const root = net.createServer((c) => {
        const up = net.connect(port, "127.0.0.1");
        c.pipe(up).pipe(c);
        c.on("error", () => up.destroy());
        up.on("error", () => c.destroy());
      });
      await new Promise<void>((r) => root.listen(sock, r));
      servers.push(root);
      const code =
        `const net=require("net");net.createServer(c=>{const u=net.connect(${JSON.stringify(sock)});c.pipe(u).pipe(c);` +
        `c.on("error",()=>u.destroy());u.on("error",()=>c.destroy())}).listen(${port},"127.0.0.1",()=>console.log("forwarding"))`;
      const p = startProcess(
        `forward-${port}`,
        IP,
        ["netns", "exec", name, nodePath(), "-e", code],
        path.join(dir, `forward-${port}.log`),
      );
      procs.push(p);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (listenersIn(name).includes(`127.0.0.1:${port}`)) return;
        if (!p.isRunning()) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the API forwarder in ${name} did not start`);
    },
    async destroy() {
      for (const p of procs) await p.stop();
      for (const s of servers) await new Promise((r) => s.close(r));
      try {
        ip(["netns", "del", name]);
      } catch {
        /* gone */
      }
      live.delete(name);
    },
  };
}

/** TCP listeners inside the namespace, as "address:port". */
export function listenersIn(name: string): string[] {
  return ip(["netns", "exec", name, "ss", "-ltnH"])
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/)[3] ?? "");
}
