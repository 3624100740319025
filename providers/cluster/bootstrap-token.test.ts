import { stringify } from "yaml";
import { generateToken } from "../../agent/tokens/token";
import { BOOTSTRAP_TOKEN_SPENT, NODE_PATHS } from "../../core/cluster";
import { scrubNodeText, tokenAction, type TokenAction, type TokenState } from "./bootstrap-token";
import type { LinkState } from "../../agent/api/link-status";

describe("the bootstrap token over a cluster's life", () => {
  const cases: [LinkState, TokenState, TokenAction][] = [
    // Never had an agent: a usable token stays; anything else is replaced by a fresh one.
    ["never-connected", "usable", "keep"],
    ["never-connected", "unusable", "fresh"],
    ["never-connected", "spent-marker", "fresh"],
    ["never-connected", "absent", "fresh"],
    // Has had an agent (whether its stream is up now or not): no raw token stays.
    ["connected", "usable", "scrub"],
    ["connected", "unusable", "scrub"],
    ["connected", "spent-marker", "keep"],
    ["connected", "absent", "keep"],
    ["disconnected", "usable", "scrub"],
    ["disconnected", "spent-marker", "keep"],
    ["cell-lost", "unusable", "scrub"],
    ["cell-lost", "spent-marker", "keep"],
  ];
  it.each(cases)("link %s, token %s: %s", (link, token, action) => {
    expect(tokenAction(link, token)).toBe(action);
  });
});

describe("scrubbing a machine's bootstrap data", () => {
  const cloudConfig = (token: string) =>
    "## template: jinja\n#cloud-config\n" +
    stringify({
      write_files: [
        { path: NODE_PATHS.token, permissions: "0600", content: token },
        { path: NODE_PATHS.script, content: "echo the token is spent" },
      ],
      runcmd: ["/bin/sh /etc/lattice/bootstrap.sh"],
    });

  it("replaces every token by the marker and leaves the rest as it was", () => {
    const [a, b] = [generateToken(), generateToken()];
    const text = cloudConfig(a) + `# an older copy: ${b}\n`;
    const out = scrubNodeText(text)!;
    expect(out).not.toContain(a);
    expect(out).not.toContain(b);
    expect(out).toBe(cloudConfig(BOOTSTRAP_TOKEN_SPENT) + `# an older copy: ${BOOTSTRAP_TOKEN_SPENT}\n`);
  });

  it("leaves alone what holds no token, or is not a node's bootstrap data", () => {
    expect(scrubNodeText(cloudConfig(BOOTSTRAP_TOKEN_SPENT))).toBeUndefined();
    expect(scrubNodeText(`kubeconfig with ${generateToken()}`)).toBeUndefined();
  });
});
