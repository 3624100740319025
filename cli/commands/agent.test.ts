// `lattice agent` and `lattice agent bootstrap` on bad input: usage errors (exit 2) that name the
// flag or the file, before any connection is made. None of these reaches a cluster.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportError } from "../errors";
import { run } from "./agent";

/** What bin/lattice prints for `lattice agent <argv>` and its exit code. */
async function agent(argv: string[], env: Record<string, string | undefined> = {}) {
  const saved = { ...process.env };
  for (const k of ["KUBERNETES_SERVICE_HOST", "KUBECONFIG", "LATTICE_KUBECONFIG", ...Object.keys(env)])
    delete process.env[k];
  Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
  let out = "";
  try {
    const code = await run(argv);
    return { code, out };
  } catch (e) {
    const code = reportError("agent", e, false, (s) => (out += s));
    return { code, out };
  } finally {
    process.env = saved;
  }
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "lattice-agent-cli-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("outside a cluster without a kubeconfig: says so, and how to name one", async () => {
  expect(await agent([])).toEqual({
    code: 2,
    out:
      "lattice agent: not running in a cluster (KUBERNETES_SERVICE_HOST is unset): pass a kubeconfig\n" +
      "  fix: outside the cluster, pass --kubeconfig FILE (or set LATTICE_KUBECONFIG or KUBECONFIG)\n",
  });
});

test("a kubeconfig that does not exist is named", async () => {
  const r = await agent(["--kubeconfig", join(dir, "missing")]);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(new RegExp(`^lattice agent: kubeconfig ${join(dir, "missing")}: ENOENT`));
});

test("a stray word is refused, not ignored", async () => {
  expect(await agent(["manifests"])).toEqual({
    code: 2,
    out: 'lattice agent: unexpected argument "manifests" (flags only; see lattice agent --help)\n',
  });
});

test("agent bootstrap: a missing flag and a missing file are named once, under the subcommand's name", async () => {
  expect(await agent(["bootstrap"])).toEqual({ code: 2, out: "lattice agent bootstrap: --cluster is required\n" });
  const url = ["--cluster", "edge", "--url", "https://127.0.0.1:1"];
  expect(await agent(["bootstrap", ...url, "--ca-file", join(dir, "ca.crt")])).toEqual({
    code: 2,
    out: `lattice agent bootstrap: --ca-file ${join(dir, "ca.crt")}: no such file\n`,
  });
  writeFileSync(join(dir, "ca.crt"), "not used: the token file is missing first\n");
  expect(
    await agent(["bootstrap", ...url, "--ca-file", join(dir, "ca.crt"), "--token-file", join(dir, "token")]),
  ).toEqual({ code: 2, out: `lattice agent bootstrap: --token-file ${join(dir, "token")}: no such file\n` });
});
