import { describeValue, formatPath } from "./errors";

// A fuzz seed found a value holding U+2028: JSON.stringify leaves it as it is, and a terminal or log
// reader breaks the one-line message there.
test("values and keys in messages stay on one line, whatever characters they hold", () => {
  for (const c of ["\n", "\r", "\u2028", "\u2029", "\u0085"]) {
    expect(describeValue(`a${c}b`)).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(formatPath(["spec", `k${c}`])).not.toMatch(/[\n\r\u2028\u2029]/);
  }
  expect(describeValue("a\u2028b")).toBe('"a\\u2028b"');
});
