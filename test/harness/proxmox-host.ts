// A stand-in for the Proxmox VE tools a host-side prerequisite calls (`qm`, `pvesm`, `pvesh`): small
// POSIX shell scripts that keep VM configs and storage settings as files and record every call in
// calls.log. Only their command-line behaviour the template and snippet commands rely on is
// modelled — `qm config` (exit 2 for an unknown VM), `qm create/set/template/destroy` (a template
// flag, an import-from disk that must name an existing file), storage `content` and snippet paths —
// so a test can run those commands for real, over SSH, and read what they asked for. Proxmox
// itself cannot run here.
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { removeDir } from "./processes";

export interface ProxmoxHost {
  /** Put first on PATH of the host commands. */
  readonly bin: string;
  readonly dir: string;
  /** Where the stand-in keeps snippets (pvesm path STORAGE:snippets/NAME). */
  readonly snippetsDir: string;
  /** Every call so far, one "tool args…" line each. */
  calls(): string[];
  /** A VM's config as `qm config` prints it, or undefined. */
  vmConfig(vmid: number): string | undefined;
  /** The `content` of a storage. */
  storageContent(storage: string): string;
  dispose(): void;
}

const QM = `#!/bin/sh
set -eu
echo "qm $*" >> "$STATE/calls.log"
cmd=$1; vmid=$2; shift 2
conf="$STATE/vms/$vmid.conf"
case "$cmd" in
  config)
    [ -f "$conf" ] || { echo "Configuration file 'nodes/pve/qemu-server/$vmid.conf' does not exist" >&2; exit 2; }
    cat "$conf" ;;
  create)
    [ -f "$conf" ] && { echo "unable to create VM $vmid: config file already exists" >&2; exit 255; }
    mkdir -p "$STATE/vms"; : > "$conf.new"
    while [ $# -gt 0 ]; do echo "\${1#--}: $2" >> "$conf.new"; shift 2; done
    mv "$conf.new" "$conf" ;;
  set)
    [ -f "$conf" ] || { echo "VM $vmid does not exist" >&2; exit 2; }
    while [ $# -gt 0 ]; do
      case "$2" in *import-from=*)
        src=\${2#*import-from=}; [ -s "$src" ] || { echo "import-from: $src: no such file" >&2; exit 255; }
        echo "imported: $(cat "$src")" >> "$conf" ;;
      esac
      echo "\${1#--}: $2" >> "$conf"; shift 2
    done ;;
  template)
    [ -f "$conf" ] || { echo "VM $vmid does not exist" >&2; exit 2; }
    echo "template: 1" >> "$conf" ;;
  destroy)
    [ -f "$conf" ] || { echo "VM $vmid does not exist" >&2; exit 2; }
    rm -f "$conf" ;;
  *) echo "qm stand-in: $cmd is not modelled" >&2; exit 1 ;;
esac
`;

const PVESM = `#!/bin/sh
set -eu
echo "pvesm $*" >> "$STATE/calls.log"
case "$1" in
  set) [ "$3" = "--content" ] || exit 1; printf '%s' "$4" > "$STATE/storage-$2.content" ;;
  path) storage=\${2%%:*}; rest=\${2#*:}; echo "$STATE/storage/$storage/\${rest}" ;;
  *) echo "pvesm stand-in: $1 is not modelled" >&2; exit 1 ;;
esac
`;

const PVESH = `#!/bin/sh
set -eu
echo "pvesh $*" >> "$STATE/calls.log"
[ "$1" = "get" ] || exit 1
storage=\${2#/storage/}
[ -f "$STATE/storage-$storage.content" ] || { echo "storage '$storage' does not exist" >&2; exit 2; }
printf '{"content":"%s","storage":"%s","type":"dir"}\\n' "$(cat "$STATE/storage-$storage.content")" "$storage"
`;

/** A stand-in host whose storages start with the given `content` (e.g. {local: "iso,vztmpl,backup"}). */
export function proxmoxHost(storages: Record<string, string>): ProxmoxHost {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-pve-"));
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  mkdirSync(path.join(dir, "vms"));
  for (const [name, body] of [
    ["qm", QM],
    ["pvesm", PVESM],
    ["pvesh", PVESH],
  ] as const) {
    // The state directory is written into each script: the commands run in a fresh SSH session.
    writeFileSync(path.join(bin, name), body.replace("set -eu\n", `set -eu\nSTATE='${dir}'\n`));
    chmodSync(path.join(bin, name), 0o755);
  }
  for (const [storage, content] of Object.entries(storages))
    writeFileSync(path.join(dir, `storage-${storage}.content`), content);
  appendFileSync(path.join(dir, "calls.log"), "");
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : undefined);
  return {
    bin,
    dir,
    snippetsDir: path.join(dir, "storage", "local", "snippets"),
    calls: () => (read(path.join(dir, "calls.log")) ?? "").split("\n").filter(Boolean),
    vmConfig: (vmid) => read(path.join(dir, "vms", `${vmid}.conf`)),
    storageContent: (storage) => read(path.join(dir, `storage-${storage}.content`)) ?? "",
    dispose: () => removeDir(dir),
  };
}
