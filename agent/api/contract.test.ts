// The node's bootstrap script (core/cluster) and the cell/agent (agent/) must agree on the exchange.
import * as contract from "../../core/cluster/link-contract";
import { BOOTSTRAP_PATH } from "./bootstrap-wire";
import { AGENT_NAMESPACE, KEY_SECRET_NAME } from "./child";

describe("the bootstrap contract with the node script", () => {
  it("uses the same path, namespace and key Secret", () => {
    expect({ path: BOOTSTRAP_PATH, ns: AGENT_NAMESPACE, key: KEY_SECRET_NAME }).toEqual({
      path: contract.BOOTSTRAP_PATH,
      ns: contract.AGENT_NAMESPACE,
      key: contract.AGENT_KEY_SECRET,
    });
  });
});
