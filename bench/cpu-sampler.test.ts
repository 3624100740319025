// Command lines (NUL-separated, as /proc has them) sorted into the parts of an engine operation.
import { kindOf } from "./cpu-sampler";

const cmd = (...argv: string[]) => argv.join("\u0000") + "\u0000";

describe("kindOf", () => {
  it.each([
    [cmd("/w/.tools/bin/pulumi", "up", "--yes"), "engine (pulumi)"],
    [cmd("/w/.tools/bin/pulumi-language-nodejs", "127.0.0.1:4000"), "language host"],
    [cmd("node", "/w/node_modules/@pulumi/pulumi/cmd/run", "."), "program (node)"],
    [cmd("/w/.tools/bin/pulumi-resource-pulumi-nodejs"), "dynamic providers (node)"],
    [cmd("node", "/w/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "x"), "dynamic providers (node)"],
    [cmd("/home/.pulumi/plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes"), "kubernetes provider"],
    [cmd("/w/.tools/bin/kube-apiserver", "--etcd-servers", "http://127.0.0.1:1"), "kube-apiserver"],
    [cmd("/w/.tools/bin/etcd", "--name", "default"), "etcd"],
    [cmd("node", "/w/bench/deploy.ts"), undefined],
  ])("%j is %s", (line, kind) => expect(kindOf(line)).toBe(kind));
});
