// The engine's wrapper around a partially created resource's reasons is taken off, so `lattice up`
// prints the provider's own first line and its fix.
import { unwrapReasons } from "./stack";

test("one reason: the reason, with its fix line", () => {
  expect(
    unwrapReasons("1 error occurred:\n\t* LatticeService shop/api: not ready after 15 s (0/2 ready)\n  fix: x"),
  ).toBe("LatticeService shop/api: not ready after 15 s (0/2 ready)\n  fix: x");
});

test("several reasons: from the first one on", () => {
  expect(unwrapReasons("error: 2 errors occurred:\n\t* a\n  fix: b\n\t* c")).toBe("a\n  fix: b\n\t* c");
});

test("anything else is left as it is", () => {
  expect(unwrapReasons("ConfigMap/x/y already exists")).toBe("ConfigMap/x/y already exists");
});
