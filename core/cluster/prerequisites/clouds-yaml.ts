// The clouds.yaml CAPO reads from its identityRef Secret (key `clouds.yaml`, optional `cacert`),
// authenticating with an application credential: the form of the OpenStack client configuration
// documented by openstacksdk ("auth_type: v3applicationcredential").
import { stringify } from "yaml";

/** What goes into one cloud entry. */
export interface CloudsYamlInput {
  readonly cloudName: string;
  readonly authUrl: string;
  readonly region?: string | undefined;
  readonly applicationCredentialId: string;
  readonly applicationCredentialSecret: string;
}

/** clouds.yaml with the one cloud `cloudName` (the name OpenStackCluster.identityRef.cloudName uses). */
export function renderCloudsYaml(c: CloudsYamlInput): string {
  return stringify({
    clouds: {
      [c.cloudName]: {
        auth_type: "v3applicationcredential",
        auth: {
          auth_url: c.authUrl,
          application_credential_id: c.applicationCredentialId,
          application_credential_secret: c.applicationCredentialSecret,
        },
        ...(c.region ? { region_name: c.region } : {}),
        interface: "public",
        identity_api_version: 3,
      },
    },
  });
}
