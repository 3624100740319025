// OpenStack prerequisites with @pulumi/openstack (loaded here, on first use): the external network
// and image looked up by name (a typo fails the preview, not the machines), an application
// credential for CAPO, the key pair spec…sshKeyName names, and the clouds.yaml Secret CAPO's
// identityRef reads, labelled so `clusterctl move` takes it along with the cluster.
import * as pulumi from "@pulumi/pulumi";
import { renderCloudsYaml, type OpenStackStep } from "../../core/cluster/prerequisites";
import type { OpenStackPrerequisiteSettings } from "../../core/spec";
import { credentialSecret, type CreatedPrerequisites, type PrerequisiteContext } from "./context";
import { loadOptional } from "./optional";

type Identity = typeof import("@pulumi/openstack/identity");
type Compute = typeof import("@pulumi/openstack/compute");
type Networking = typeof import("@pulumi/openstack/networking");
type Images = typeof import("@pulumi/openstack/images");

/** OpenStack settings: the validated ones, and optionally an explicit provider. */
export interface OpenStackPrerequisiteArgs extends OpenStackPrerequisiteSettings {
  provider?: pulumi.ProviderResource;
}

/** Labels clusterctl move uses to carry a Secret with its cluster (CAPI's "move" contract). */
export const MOVE_LABELS = (cluster: string): Record<string, string> => ({
  "clusterctl.cluster.x-k8s.io/move": "",
  "cluster.x-k8s.io/cluster-name": cluster,
});

/** Annotations on the clouds.yaml Secret recording what the lookups found. */
export const LOOKUP_ANNOTATIONS = {
  "external-network": "lattice.dev/external-network-id",
  image: "lattice.dev/image-id",
} as const;

export function createOpenStackPrerequisites(
  ctx: PrerequisiteContext,
  steps: readonly OpenStackStep[],
  settings: OpenStackPrerequisiteArgs,
): CreatedPrerequisites {
  const opts: pulumi.CustomResourceOptions = {
    parent: ctx.scope,
    ...(settings.provider ? { provider: settings.provider } : {}),
  };
  const invokeOpts: pulumi.InvokeOptions = {
    parent: ctx.scope,
    ...(settings.provider ? { provider: settings.provider } : {}),
  };
  const found: Record<string, pulumi.Output<string>> = {};
  const resources: pulumi.Resource[] = [];
  let credential: InstanceType<Identity["ApplicationCredential"]> | undefined;
  for (const s of steps) {
    const n = `${ctx.name}-${s.key}`;
    switch (s.op) {
      case "lookup-network": {
        const networking = loadOptional<Networking>("@pulumi/openstack", "networking", ctx.who);
        const args = "id" in s.network ? { networkId: s.network.id } : { name: s.network.name, external: true };
        found[s.key] = networking.getNetworkOutput(args, invokeOpts).id;
        break;
      }
      case "lookup-image": {
        const images = loadOptional<Images>("@pulumi/openstack", "images", ctx.who);
        found[s.key] = images.getImageOutput({ name: s.imageName, mostRecent: true }, invokeOpts).id;
        break;
      }
      case "application-credential": {
        const identity = loadOptional<Identity>("@pulumi/openstack", "identity", ctx.who);
        const ac = settings.applicationCredential;
        credential = new identity.ApplicationCredential(
          n,
          {
            name: s.credentialName,
            description: `Cluster API (CAPO) credential of LatticeCluster ${ctx.namespace}/${ctx.cluster}`,
            unrestricted: false,
            ...(ac?.roles ? { roles: ac.roles } : {}),
            ...(ac?.expiresAt ? { expiresAt: ac.expiresAt } : {}),
          },
          opts,
        );
        resources.push(credential);
        break;
      }
      case "key-pair": {
        const compute = loadOptional<Compute>("@pulumi/openstack", "compute", ctx.who);
        resources.push(new compute.Keypair(n, { name: s.keyName, publicKey: settings.sshPublicKey }, opts));
        break;
      }
      case "clouds-secret": {
        const c = credential;
        if (!c) throw new Error(`${ctx.who}: the clouds.yaml Secret needs the application credential step first`);
        const cloudsYaml = pulumi.all([c.id, c.secret]).apply(([id, secret]) =>
          renderCloudsYaml({
            cloudName: s.cloudName,
            authUrl: settings.authUrl,
            region: settings.region,
            applicationCredentialId: id,
            applicationCredentialSecret: secret,
          }),
        );
        // The Secret waits for the lookups (their ids are its annotations), so the CAPI objects,
        // which wait for the Secret, are never applied against a network or image that is not there.
        const annotations = Object.fromEntries(
          Object.entries(found).map(([k, id]) => [LOOKUP_ANNOTATIONS[k as keyof typeof LOOKUP_ANNOTATIONS], id]),
        );
        resources.push(
          credentialSecret(
            ctx,
            s.key,
            { name: s.secretName, namespace: s.secretNamespace, labels: MOVE_LABELS(ctx.cluster), annotations },
            { "clouds.yaml": cloudsYaml, ...(settings.caCert ? { cacert: settings.caCert } : {}) },
          ),
        );
        break;
      }
      default: {
        const never: never = s;
        throw new Error(`${ctx.who}: unknown OpenStack step ${JSON.stringify(never)}`);
      }
    }
  }
  const outputs = pulumi
    .output({
      applicationCredentialId: credential ? credential.id : "",
      externalNetworkId: found["external-network"] ?? "",
      imageId: found.image ?? "",
    })
    .apply((o): Record<string, string> => ({ ...o }));
  return { resources, outputs };
}
