// Property tests (fast-check) take their seed from LATTICE_PROPERTY_SEED, which jest.config.js sets
// once per run: a random one that it prints, or the one given to replay a run. Loaded before every
// test file (jest setupFiles), so each fc.assert uses it unless it names a seed of its own (none do:
// a fixed seed explores the same cases forever).
import fc from "fast-check";

const raw = process.env.LATTICE_PROPERTY_SEED;
if (raw !== undefined) {
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new Error(`LATTICE_PROPERTY_SEED must be an integer (a seed a run printed), got "${raw}"`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(raw) | 0 });
}
