// The stack of test/integration/services/upgrade.test.ts. Config `model`: "previous" deploys the
// YAML as the resource model before issue 16 did (./previous-model.ts), "current" as infra/ does now
// (fromYaml: one ServiceSet). The same project and stack, so an `up` with "current" upgrades a stack
// the previous model made.
import * as pulumi from "@pulumi/pulumi";
import { fromYaml } from "../../../components";
import { previousFromYaml } from "./previous-model";

const config = new pulumi.Config();
const args = {
  kubeconfig: config.requireSecret("kubeconfig"),
  paths: [config.require("services")],
  trustDomain: "upgrade.test",
  awaitWorkloads: false as const,
};
if (config.require("model") === "previous") previousFromYaml(args);
else fromYaml(args);
