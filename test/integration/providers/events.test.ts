// The leak checks' view of Events (test/harness/events.ts) against a real API server: an Event
// written through either API, in any namespace, carrying a value in any field, is found.
import { randomBytes } from "node:crypto";
import { eventsText } from "../../harness/events";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";

jest.setTimeout(60_000);

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane({ name: "events", controllerManager: false });
});
afterAll(async () => {
  await cp?.stop();
});

test("eventsText holds every Event's fields, from both Event APIs and every namespace", async () => {
  const [inMessage, inNote, inAnnotation] = [1, 2, 3].map(() => randomBytes(16).toString("hex"));
  await cp.client.create({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "leak-1", namespace: "kube-system" },
    involvedObject: { kind: "Secret", name: "x", namespace: "kube-system" },
    reason: "Test",
    message: `token ${inMessage}`,
    type: "Normal",
  });
  await cp.client.create({
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "leak-2", namespace: "default", annotations: { seen: inAnnotation! } },
    eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"), // MicroTime
    reportingController: "lattice.dev/test",
    reportingInstance: "test",
    action: "Probe",
    reason: "Test",
    regarding: { kind: "Secret", name: "y", namespace: "default" },
    note: `token ${inNote}`,
    type: "Normal",
  });
  const text = await eventsText(cp.client);
  for (const secret of [inMessage, inNote, inAnnotation]) expect(text).toContain(secret);
  expect(text).not.toContain(randomBytes(16).toString("hex"));
});
