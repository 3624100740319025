// AWS (CAPA v2.13): CAPA creates the VPC, subnets, security groups and the API load balancer, with
// static credentials from an AWSClusterStaticIdentity. The identity's Secret must live in CAPA's
// own namespace (the API has no namespace field): the provisioning provider puts it there; the
// annotation records where the LatticeCluster said the credentials are.
import {
  awsCluster,
  awsClusterStaticIdentity,
  awsMachineTemplate,
  type AwsClusterSpec,
  type AwsMachineSpec,
  type KubeadmArg,
} from "../k8s/builders";
import type { AwsConfig } from "../spec";
import { metaOf, type ClusterContext } from "./context";
import { EMPTY_NODE_SETUP, type InfraPlan } from "./infra-plan";
import { CREDENTIALS_SOURCE_ANNOTATION, credentialsSource, names } from "./names";

/** The instance profiles `clusterawsadm bootstrap iam create-cloudformation-stack` creates. */
export const CAPA_INSTANCE_PROFILES = {
  controlPlane: "control-plane.cluster-api-provider-aws.sigs.k8s.io",
  nodes: "nodes.cluster-api-provider-aws.sigs.k8s.io",
} as const;

/** RKE2 agents and joining servers register with a server on 9345 (registration internal-first). */
const RKE2_SUPERVISOR_RULE = {
  description: "RKE2 supervisor (node registration)",
  protocol: "tcp" as const,
  fromPort: 9345,
  toPort: 9345,
  sourceSecurityGroupRoles: ["node" as const, "controlplane" as const],
};

export function awsInfra(ctx: ClusterContext, config: AwsConfig): InfraPlan {
  const identityName = names.awsIdentity(ctx.namespace, ctx.name);
  const ref = config.credentialsSecretRef;
  const identity = awsClusterStaticIdentity(
    {
      name: identityName,
      labels: ctx.labels,
      annotations: { [CREDENTIALS_SOURCE_ANNOTATION]: credentialsSource(ref) },
    },
    { secretRef: ref.name, allowedNamespaces: { list: [ctx.namespace] } },
  );
  const clusterSpec: AwsClusterSpec = {
    region: config.region,
    sshKeyName: config.sshKeyName,
    identityRef: { kind: "AWSClusterStaticIdentity", name: identityName },
  };
  if (ctx.bootstrap === "rke2") clusterSpec.network = { additionalControlPlaneIngressRules: [RKE2_SUPERVISOR_RULE] };

  const machine = (instanceType: string, profile: string): AwsMachineSpec => {
    const spec: AwsMachineSpec = { instanceType, sshKeyName: config.sshKeyName, iamInstanceProfile: profile };
    if (config.ami) spec.ami = { id: config.ami };
    return spec;
  };
  const cpSpec = machine(config.controlPlaneInstanceType, CAPA_INSTANCE_PROFILES.controlPlane);
  // Without a cloud controller manager nobody sets Node.spec.providerID, and Cluster API could not
  // match Nodes to Machines; the kubelet sets CAPA's form aws:///<zone>/<instance> itself.
  const providerId = "aws:///{{ ds.meta_data.placement.availability_zone }}/{{ ds.meta_data.instance_id }}";
  const kubeletArgs: KubeadmArg[] = [{ name: "provider-id", value: providerId }];
  return {
    infraCluster: awsCluster(metaOf(ctx, names.cluster(ctx.name)), clusterSpec),
    extra: [identity],
    controlPlaneTemplate: awsMachineTemplate(metaOf(ctx, names.controlPlaneTemplate(ctx.name, cpSpec)), cpSpec),
    workerTemplates: ctx.pools.map((p) => {
      const spec = machine(p.instanceType ?? config.workerInstanceType, CAPA_INSTANCE_PROFILES.nodes);
      return awsMachineTemplate(metaOf(ctx, names.poolTemplate(ctx.name, p.name, spec)), spec);
    }),
    node: {
      ...EMPTY_NODE_SETUP,
      kubeletArgs,
      // CAPA's templates name nodes after the EC2 private DNS name.
      ...(ctx.bootstrap === "kubeadm" ? { nodeName: "{{ ds.meta_data.local_hostname }}" } : {}),
      rke2Registration: "internal-first",
    },
  };
}
