// The parent link in the manifests: the token only ever by reference, the parent's URL and CA inline
// when given (else from the same Secret), link files on control planes only, and a token value that
// cannot reach the output by any option.
import { toYamlStream } from "../k8s/serialize";
import type { KubeObject } from "../k8s/object";
import { compileCluster } from "./compile";
import { AGENT_KEY_SECRET, BOOTSTRAP_SECRET_KEYS, NODE_PATHS, bootstrapSecretName } from "./link-contract";
import { COMBINATIONS, GOLDEN_PARENT, exampleWith } from "./__support__/examples";

type File = {
  path: string;
  content?: string;
  contentFrom?: { secret: { name: string; key: string } };
  permissions?: string;
};

function filesOf(o: KubeObject): File[] {
  const spec = o.spec as Record<string, unknown>;
  const template = (spec.template as { spec?: Record<string, unknown> } | undefined)?.spec;
  const sources = [spec.kubeadmConfigSpec, spec, template] as ({ files?: File[] } | undefined)[];
  return sources.flatMap((s) => s?.files ?? []);
}

const TOKEN = "lt1." + "A".repeat(21) + "_-" + "b".repeat(20);
const TOKEN_SHAPE = /lt1\.[A-Za-z0-9_-]{43}/;

describe.each(COMBINATIONS)("%s × %s", (provider, bootstrap) => {
  const doc = exampleWith(provider, bootstrap);
  const secret = bootstrapSecretName(doc.metadata.name);
  const withParent = compileCluster(doc, { defaultNamespace: "clusters", parent: GOLDEN_PARENT });
  const withoutParent = compileCluster(doc, { defaultNamespace: "clusters" });
  const controlPlane = (objs: KubeObject[]) => objs.find((o) => /ControlPlane$/.test(o.kind)) as KubeObject;

  it("puts nothing of the link on a root cluster's nodes (lattice install: no parent)", () => {
    const root = compileCluster(doc, { defaultNamespace: "clusters", root: true });
    const all = toYamlStream(root);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(NODE_PATHS.script);
    expect(filesOf(controlPlane(root)).filter((f) => (Object.values(NODE_PATHS) as string[]).includes(f.path))).toEqual(
      [],
    );
    expect(() => compileCluster(doc, { defaultNamespace: "clusters", root: true, parent: GOLDEN_PARENT })).toThrow(
      /root cluster has no parent/,
    );
  });

  it("references the token in the bootstrap Secret and never contains it", () => {
    const token = filesOf(controlPlane(withParent)).filter((f) => f.path === NODE_PATHS.token);
    expect(token).toEqual([
      {
        path: NODE_PATHS.token,
        owner: "root:root",
        permissions: "0600",
        contentFrom: { secret: { name: secret, key: BOOTSTRAP_SECRET_KEYS.token } },
      },
    ]);
    expect(withParent.some((o) => o.kind === "Secret")).toBe(false);
  });

  it("writes the parent's URL and CA when given, and reads both from the Secret otherwise", () => {
    const byPath = (objs: KubeObject[]) => new Map(filesOf(controlPlane(objs)).map((f) => [f.path, f]));
    const given = byPath(withParent);
    expect(given.get(NODE_PATHS.endpoint)?.content).toBe("https://cell.parent.example:8443\n");
    expect(given.get(NODE_PATHS.caCert)?.content).toBe(GOLDEN_PARENT.caPem.trim() + "\n");
    const absent = byPath(withoutParent);
    expect(absent.get(NODE_PATHS.endpoint)?.contentFrom).toEqual({
      secret: { name: secret, key: BOOTSTRAP_SECRET_KEYS.endpoint },
    });
    expect(absent.get(NODE_PATHS.caCert)?.contentFrom).toEqual({
      secret: { name: secret, key: BOOTSTRAP_SECRET_KEYS.caCert },
    });
    expect(absent.get(NODE_PATHS.script)?.content).toBe(given.get(NODE_PATHS.script)?.content);
  });

  it("runs the script after the bootstrap provider, on control-plane nodes only", () => {
    const spec = controlPlane(withParent).spec as {
      kubeadmConfigSpec?: { postKubeadmCommands?: string[] };
      postRKE2Commands?: string[];
    };
    const post = spec.kubeadmConfigSpec?.postKubeadmCommands ?? spec.postRKE2Commands ?? [];
    expect(post[post.length - 1]).toBe(`/bin/sh ${NODE_PATHS.script}`);
    const workers = withParent.filter((o) => /ConfigTemplate$/.test(o.kind));
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) {
      expect(filesOf(w)).toEqual([]);
      expect(JSON.stringify(w)).not.toContain("/etc/lattice");
    }
  });

  it("lets no token-shaped value or option reach the output", () => {
    // An option the API does not have must not leak into the manifests either (no options spread).
    const leaky = compileCluster(doc, { defaultNamespace: "clusters", parent: GOLDEN_PARENT, token: TOKEN } as never);
    for (const out of [toYamlStream(withParent), toYamlStream(withoutParent), toYamlStream(leaky)]) {
      expect(out).not.toMatch(TOKEN_SHAPE);
      expect(out).not.toContain(TOKEN);
    }
    expect(toYamlStream(leaky)).toBe(toYamlStream(withParent));
  });

  it("keeps the script free of secrets: it reads the token from its file and sends it only in a header file", () => {
    const script = filesOf(controlPlane(withParent)).find((f) => f.path === NODE_PATHS.script)?.content ?? "";
    expect(script).toContain(`TOKEN_FILE='${NODE_PATHS.token}'`);
    expect(script).toMatch(/-H @"\$WORK\/auth"/);
    expect(script).not.toMatch(/set -x/);
    expect(script).toContain(AGENT_KEY_SECRET);
  });
});
