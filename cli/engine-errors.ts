// The engine's own words for failures a person fixes, as typed failures: the Automation API reports
// them as a CommandError whose stderr is the pulumi CLI's. Matched on the CLI's messages (pinned
// engine 3.259; the integration tests in test/integration/cli would notice a change).
import { CommandError } from "@pulumi/pulumi/automation";
import { CliError } from "./errors";
import { PassphraseMissing } from "./failures";

const RULES: { match: RegExp; error: (m: RegExpMatchArray, stack: string) => CliError }[] = [
  {
    match: /passphrase must be set with PULUMI_CONFIG_PASSPHRASE/,
    error: (_, stack) => new PassphraseMissing(stack),
  },
  {
    match: /incorrect passphrase/,
    error: () =>
      new CliError("the passphrase in PULUMI_CONFIG_PASSPHRASE does not open the stack's secrets", {
        fix: "export the stack's passphrase (the one its Pulumi.<stack>.yaml encryptionsalt was made with)",
      }),
  },
  {
    match: /PULUMI_ACCESS_TOKEN must be set for login/,
    error: () =>
      new CliError("the engine has no backend to keep the stack's state in (not logged in)", {
        fix: "pulumi login (Pulumi Cloud), pulumi login --local, or export PULUMI_BACKEND_URL=file://DIR",
      }),
  },
  {
    match: /no resource plugin 'pulumi-resource-([\w-]+)' found|failed to download plugin: ([\w-]+)-/,
    error: (m) =>
      new CliError(`the engine cannot find the ${m[1] ?? m[2]} plugin and cannot download it`, {
        fix: "bin/lattice engine install-plugins (or tools/build for the project's engine)",
      }),
  },
  {
    match: /could not find (?:the )?(?:pulumi-language-nodejs|language plugin)|no language plugin 'nodejs'/,
    error: () =>
      new CliError("the engine cannot find its nodejs language host (pulumi-language-nodejs)", {
        fix: "put pulumi-language-nodejs next to pulumi or on PATH (tools/build links the project's)",
      }),
  },
];

/** The typed failure for an engine error, or undefined when it is not one a person fixes this way. */
export function translateEngineError(e: unknown, stack = ""): CliError | undefined {
  if (!(e instanceof CommandError)) return undefined;
  const text = e.message;
  for (const r of RULES) {
    const m = text.match(r.match);
    if (m) {
      const err = r.error(m, stack);
      return new CliError(err.message, { fix: err.fix!, exitCode: err.exitCode, cause: e });
    }
  }
  return undefined;
}
