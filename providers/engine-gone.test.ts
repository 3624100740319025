// The provider process after its engine died: a real child process with Pulumi's handler of
// uncaught errors (the dynamic-provider host's, reproduced: log the error to stderr) whose stdout
// and stderr pipes are closed by the reader, as when the engine is killed. Without the guard it
// writes EPIPE errors to stderr forever; with it, it exits at the first.
import { spawn } from "node:child_process";
import * as path from "node:path";

const CHILD = (guard: boolean) => `
  process.on("uncaughtException", (e) => console.error(e.stack || String(e)));
  ${guard ? `require(${JSON.stringify(path.join(__dirname, "engine-gone"))}).exitWhenEngineGone();` : ""}
  let n = 0;
  process.stdin.once("data", () => {
    // The engine is gone: a progress line, as a provider's wait loop writes one.
    setInterval(() => { n++; process.stdout.write("machines 1/3 running\\n"); }, 20);
  });
  setTimeout(() => process.exit(99), 3000); // still running: the test fails with 99
`;

function runChild(guard: boolean): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ["-r", require.resolve("ts-node/register/transpile-only"), "-e", CHILD(guard)],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.stdout.once("readable", () => undefined);
    // Break both pipes (the engine's ends), then let the child write.
    child.stdout.destroy();
    child.stderr.destroy();
    child.stdin.write("go\n");
  });
}

test("with the guard, the first write to a broken pipe ends the process", async () => {
  expect(await runChild(true)).toBe(1);
});

test("without it, the process keeps running (what the guard is for)", async () => {
  expect(await runChild(false)).toBe(99);
}, 15_000);
