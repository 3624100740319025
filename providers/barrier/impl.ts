// Implementation of the barrier dynamic provider (./index.ts): nothing to create, change or delete.
// The engine orders its steps after its dependencies; that ordering is all it provides.
import type * as pulumi from "@pulumi/pulumi";

type Empty = Record<string, never>;

export async function check(_olds: Empty, news: Empty): Promise<pulumi.dynamic.CheckResult<Empty>> {
  return { inputs: news };
}

export async function diff(): Promise<pulumi.dynamic.DiffResult> {
  return { changes: false };
}

export async function create(): Promise<pulumi.dynamic.CreateResult<Empty>> {
  return { id: "barrier", outs: {} };
}

export async function read(id: string, props: Empty): Promise<pulumi.dynamic.ReadResult<Empty>> {
  return { id, props };
}

export async function update(_id: string, _olds: Empty, news: Empty): Promise<pulumi.dynamic.UpdateResult<Empty>> {
  return { outs: news };
}

async function remove(): Promise<void> {}
export { remove as delete };
