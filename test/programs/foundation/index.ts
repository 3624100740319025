// The test bed's own program: one object through @pulumi/kubernetes and one through a Lattice
// dynamic provider, against the cluster named by the stack's `kubeconfig` config (a secret).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectSet } from "../../../providers/objectset";

const config = new pulumi.Config();
const kubeconfig = config.requireSecret("kubeconfig");
const value = config.require("value");
// The changing input is a label: pulumi-kubernetes replaces a ConfigMap whose data changes (so that
// pods roll), but updates its metadata in place.
const labels = {
  "app.kubernetes.io/managed-by": "lattice",
  "lattice.dev/test": "foundation",
  "lattice.dev/value": value,
};

const provider = new k8s.Provider("target", { kubeconfig });

const viaKubernetes = new k8s.core.v1.ConfigMap(
  "via-kubernetes",
  { metadata: { name: "via-kubernetes", namespace: "default", labels } },
  { provider },
);

const viaDynamic = new ObjectSet("via-dynamic", {
  kubeconfig,
  fieldManager: "lattice-foundation-test",
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "via-dynamic", namespace: "default", labels } }],
});

export const configMaps = [viaKubernetes.metadata.name, viaDynamic.objects.apply((o) => Object.keys(o))];
