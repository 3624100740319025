// The seam between the infrastructure providers and the bootstrap providers: picks the cluster's
// infrastructure provider, whose module returns an InfraPlan (./infra-plan.ts). Adding a provider is
// one module and one case below; the `never` check makes a missing case a type error.
import type { ProviderSpec } from "../spec";
import { awsInfra } from "./aws";
import type { ClusterContext } from "./context";
import { dockerInfra } from "./docker";
import { unhandled } from "./errors";
import type { InfraPlan } from "./infra-plan";
import { openStackInfra } from "./openstack";
import { proxmoxInfra } from "./proxmox";

/** The plan of the cluster's one infrastructure provider. */
export function infraFor(ctx: ClusterContext, provider: ProviderSpec): InfraPlan {
  switch (provider.provider) {
    case "docker":
      return dockerInfra(ctx, provider.config);
    case "proxmox":
      return proxmoxInfra(ctx, provider.config);
    case "aws":
      return awsInfra(ctx, provider.config);
    case "openstack":
      return openStackInfra(ctx, provider.config);
    default:
      return unhandled(ctx.name, "spec.provider.config", provider);
  }
}
