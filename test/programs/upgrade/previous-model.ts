// The resource model before issue 16, frozen as main deployed YAML then (components/load.ts,
// service.ts, external-service.ts and agreement.ts of commit d8c6e2c), with the real providers it
// used: per service a LatticeService component holding a Membership and a Policy dynamic resource
// and one @pulumi/kubernetes resource per workload object (through one kubernetes provider
// "lattice"); one Barrier per set. Only what the upgrade test needs: the same names, parents,
// providers and inputs as then, so its state is what a stack of that model holds.
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readYamlSources } from "../../../cli/files";
import { compileDeclarationRecord } from "../../../core/agreements";
import { compileExternal, compileNamespaceBaseline, compileService, resolveOptions } from "../../../core/compile";
import { refOf, type KubeObject, type ObjectRef } from "../../../core/k8s/object";
import { adoptsExisting, loadDocuments, type LatticeExternalService, type LatticeService } from "../../../core/spec";
import { createWorkload } from "../../../components/workload";
import { LatticeBarrier } from "../../../providers/barrier";
import { LatticeMembership } from "../../../providers/membership";
import { LatticePolicy, withFirst } from "../../../providers/policy";

interface Args {
  kubeconfig: pulumi.Input<string>;
  paths: string[];
  trustDomain: string;
  awaitWorkloads: false;
}

/** A member's half as the previous model deployed it: `<name>-declarations`, then `<name>-policy`. */
function deployHalf(
  parent: pulumi.ComponentResource,
  name: string,
  a: Args & { namespace: string; doc: LatticeService | LatticeExternalService; policies: KubeObject[] },
  after: Promise<pulumi.Resource[]>,
  adopt: boolean,
  workloads: ObjectRef[],
): LatticeMembership {
  const svc = a.doc.metadata.name;
  const membership = new LatticeMembership(
    `${name}-declarations`,
    {
      kubeconfig: a.kubeconfig,
      namespace: a.namespace,
      baseline: compileNamespaceBaseline(
        a.namespace,
        resolveOptions({ trustDomain: a.trustDomain, defaultNamespace: a.namespace }),
      ),
      record: compileDeclarationRecord(a.doc, a.namespace),
      recordManager: `lattice.declarations.${a.namespace}.${svc}`,
      adopt,
      workloads,
    },
    { parent },
  );
  new LatticePolicy(
    `${name}-policy`,
    {
      kubeconfig: a.kubeconfig,
      self: `${a.namespace}/${svc}`,
      fieldManager: `lattice.policy.${a.namespace}.${svc}`,
      objects: a.policies,
      waitFor: withFirst(membership, after),
      adopt,
    },
    { parent },
  );
  return membership;
}

/** Deploy YAML as the previous model did. */
export function previousFromYaml(args: Args): void {
  const sources = readYamlSources(
    args.paths.map((p) => path.resolve(p)),
    process.cwd(),
  );
  const loaded = loadDocuments(sources);
  if (loaded.errors.length) throw new Error(JSON.stringify(loaded.errors));
  const provider = new k8s.Provider("lattice", { kubeconfig: pulumi.secret(args.kubeconfig) });
  let release!: (r: pulumi.Resource[]) => void;
  const allRecords = new Promise<pulumi.Resource[]>((resolve) => (release = resolve));
  const records: pulumi.Resource[] = [];
  for (const { doc } of loaded.docs) {
    if (doc.kind !== "LatticeService" && doc.kind !== "LatticeExternalService") continue;
    const namespace = doc.metadata.namespace ?? "default";
    const name = namespace === "default" ? doc.metadata.name : `${namespace}/${doc.metadata.name}`;
    const opts = { trustDomain: args.trustDomain, defaultNamespace: namespace };
    const adopt = adoptsExisting(doc);
    const half = { ...args, namespace, doc };
    if (doc.kind === "LatticeService") {
      const component = new pulumi.ComponentResource("lattice:index:LatticeService", name, {});
      const compiled = compileService(doc, opts);
      const membership = deployHalf(
        component,
        name,
        { ...half, policies: compiled.policies },
        allRecords,
        adopt,
        compiled.workload.map(refOf),
      );
      createWorkload(name, doc.metadata.name, compiled.workload, undefined, adopt, {
        parent: component,
        provider,
        dependsOn: [membership],
      });
      records.push(membership);
    } else {
      const component = new pulumi.ComponentResource("lattice:index:LatticeExternalService", name, {});
      const policies = compileExternal(doc, opts).policies;
      records.push(deployHalf(component, name, { ...half, policies }, allRecords, adopt, []));
    }
  }
  release(records.length ? [new LatticeBarrier("lattice-declarations", { dependsOn: records })] : []);
}
