// The agreement part of `make demo`'s summary, from infra/'s `agreements` output (graphSummary).
import { buildGraph, graphSummary } from "../core/graph";
import { loadValid } from "../core/testing/fixtures";
import { agreementLines } from "./summary";

const summaryOf = (...paths: string[]) =>
  graphSummary(buildGraph(loadValid(...paths), { defaultNamespace: "default" }));

test("the webapp and the external example: every bilateral agreement, one per line", () => {
  expect(agreementLines(summaryOf("examples/webapp", "examples/external"))).toEqual([
    "Agreement graph (7 bilateral, 0 one-sided):",
    "  shop/payment-service → shop/stripe (external)",
    "  webapp/api → webapp/postgres",
    "  webapp/api → webapp/redis",
    "  webapp/frontend → webapp/api",
    "  webapp/worker → webapp/api",
    "  webapp/worker → webapp/postgres",
    "  webapp/worker → webapp/redis",
  ]);
});

test("one-sided declarations are listed with the missing half", () => {
  expect(agreementLines(summaryOf("core/compile/__fixtures__/one-sided"))).toEqual([
    "Agreement graph (0 bilateral, 2 one-sided):",
    "  shop/audit → shop/billing  missing outbound (no traffic)",
    "  shop/orders → shop/billing  missing inbound (no traffic)",
  ]);
});
