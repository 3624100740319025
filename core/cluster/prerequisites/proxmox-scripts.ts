// The Proxmox host commands of a LatticeCluster's prerequisites, as POSIX shell text (pure: the
// runner — Lattice's SSH provider or @pulumi/command — only carries them to the host).
//
// Both are safe to re-run: they look before they act and leave a finished state or none.
//   template  the VM template CAPMOX clones (spec…proxmox.template_id) from a cloud image: done when
//             the VM exists, is a template and its description carries this recipe's stamp; a VM
//             with another Lattice stamp is destroyed and rebuilt; a VM Lattice did not build is
//             never touched (the command fails and says so).
//   snippets  `snippets` content enabled on a storage, and files uploaded there; a file is written
//             only when its bytes differ, and files this resource uploaded before but no longer
//             has are removed (a manifest next to them remembers which).
import { fnv1a64 } from "../names";

/** What the template is built from and where. */
export interface TemplateRecipe {
  readonly vmid: number;
  readonly imageUrl: string;
  readonly imageSha256?: string | undefined;
  /** The storage of the template's disk and cloud-init drive. */
  readonly storage: string;
  readonly bridge: string;
  /** Host directory for the download (removed after the import). */
  readonly workDir: string;
}

/** The create and delete commands of one host step. */
export interface HostCommands {
  readonly create: string;
  readonly delete: string;
}

/** The marker every template Lattice builds carries in its description. */
export const TEMPLATE_MARKER = "lattice-template-";

/** A string as one single-quoted shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME='value'` lines (names are validated shell variables), sorted. */
function exportLines(environment: Readonly<Record<string, string>>): string[] {
  return Object.keys(environment)
    .sort()
    .map((k) => `export ${k}=${shellQuote(environment[k]!)}`);
}

/** The stamp of a recipe: changes exactly when the template must be rebuilt. */
export function templateStamp(r: TemplateRecipe): string {
  return fnv1a64(
    JSON.stringify({ v: 1, url: r.imageUrl, sha: r.imageSha256 ?? "", storage: r.storage, bridge: r.bridge }),
  );
}

/** Build (or confirm) the template. */
export function templateCommands(r: TemplateRecipe, environment: Readonly<Record<string, string>> = {}): HostCommands {
  const stamp = templateStamp(r);
  const marker = `${TEMPLATE_MARKER}${stamp}`;
  const img = `${r.workDir}/image-${stamp}.img`;
  const check = r.imageSha256
    ? [`echo ${shellQuote(`${r.imageSha256}  ${img}.part`)} | sha256sum -c - >/dev/null`]
    : [];
  const create = [
    "set -eu",
    ...exportLines(environment),
    `vmid=${r.vmid}`,
    `if qm config "$vmid" >/dev/null 2>&1; then`,
    `  config=$(qm config "$vmid")`,
    `  case "$config" in`,
    `    *${marker}*)`,
    `      if printf '%s\\n' "$config" | grep -qx 'template: 1'; then echo "template $vmid is up to date (${marker})"; exit 0; fi`,
    `      echo "VM $vmid is an unfinished build of this template: rebuilding"; qm destroy "$vmid" --purge ;;`,
    `    *${TEMPLATE_MARKER}*) echo "template $vmid was built from another image or storage: rebuilding"; qm destroy "$vmid" --purge ;;`,
    `    *) echo "VM $vmid exists and was not built by Lattice: not touching it (choose another template_id, or remove the VM)" >&2; exit 3 ;;`,
    `  esac`,
    `fi`,
    `mkdir -p ${shellQuote(r.workDir)}`,
    `rm -f ${shellQuote(img + ".part")}`,
    `curl -fsSL --retry 3 -o ${shellQuote(img + ".part")} ${shellQuote(r.imageUrl)}`,
    ...check,
    `mv ${shellQuote(img + ".part")} ${shellQuote(img)}`,
    // The description is written last: a VM without `template: 1` is an unfinished build.
    `qm create "$vmid" --name lattice-template-${r.vmid} --ostype l26 --memory 2048 --cores 2 --scsihw virtio-scsi-pci` +
      ` --net0 ${shellQuote(`virtio,bridge=${r.bridge}`)} --serial0 socket --vga serial0 --agent enabled=1` +
      ` --description ${shellQuote(marker)}`,
    `qm set "$vmid" --scsi0 ${shellQuote(`${r.storage}:0,import-from=${img}`)}`,
    `qm set "$vmid" --ide2 ${shellQuote(`${r.storage}:cloudinit`)} --boot order=scsi0`,
    `qm template "$vmid"`,
    `rm -f ${shellQuote(img)}`,
    `echo "template $vmid built from ${r.imageUrl.replace(/["$`\\]/g, "")}"`,
  ];
  const remove = [
    "set -eu",
    ...exportLines(environment),
    `vmid=${r.vmid}`,
    `rm -f ${shellQuote(img + ".part")} ${shellQuote(img)}`,
    `if ! qm config "$vmid" >/dev/null 2>&1; then echo "VM $vmid is already gone"; exit 0; fi`,
    `case "$(qm config "$vmid")" in`,
    `  *${TEMPLATE_MARKER}*) qm destroy "$vmid" --purge; echo "template $vmid destroyed" ;;`,
    `  *) echo "VM $vmid was not built by Lattice: left in place" ;;`,
    `esac`,
  ];
  return { create: create.join("\n") + "\n", delete: remove.join("\n") + "\n" };
}

/** Base64 of a string's UTF-8 bytes (pure; no Buffer in core). */
function base64(s: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(s)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Enable `snippets` on `storage` and keep exactly `files` there for this resource (`owner` names
 * the manifest that remembers which files it wrote).
 */
export function snippetCommands(
  storage: string,
  owner: string,
  files: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>> = {},
): HostCommands {
  const names = Object.keys(files).sort();
  const manifest = `"$dir"/${shellQuote(`.lattice-${owner}.snippets`)}`;
  const create = [
    "set -eu",
    ...exportLines(environment),
    `storage=${shellQuote(storage)}`,
    `content=$(pvesh get "/storage/$storage" --output-format json | sed -n 's/.*"content" *: *"\\([^"]*\\)".*/\\1/p')`,
    `case ",$content," in`,
    `  *,snippets,*) ;;`,
    `  *) pvesm set "$storage" --content "\${content:+$content,}snippets"; echo "enabled snippets on $storage" ;;`,
    `esac`,
    `dir=$(dirname "$(pvesm path "$storage:snippets/.lattice")")`,
    `mkdir -p "$dir"`,
    `if [ -f ${manifest} ]; then`,
    `  while IFS= read -r old; do`,
    `    case "$old" in ${names.length ? names.map(shellQuote).join("|") : "''"}) ;; *) rm -f "$dir/$old"; echo "removed $old" ;; esac`,
    `  done < ${manifest}`,
    `fi`,
    ...names.flatMap((name) => [
      `if printf '%s' ${shellQuote(base64(files[name]!))} | base64 -d | cmp -s - "$dir"/${shellQuote(name)}; then`,
      `  echo ${shellQuote(`${name} unchanged`)}`,
      `else`,
      `  printf '%s' ${shellQuote(base64(files[name]!))} | base64 -d > "$dir"/${shellQuote(name + ".part")}`,
      `  mv "$dir"/${shellQuote(name + ".part")} "$dir"/${shellQuote(name)}; echo ${shellQuote(`uploaded ${name}`)}`,
      `fi`,
    ]),
    `printf '%s' ${shellQuote(names.map((n) => n + "\n").join(""))} > ${manifest}`,
  ];
  const remove = [
    "set -eu",
    ...exportLines(environment),
    `storage=${shellQuote(storage)}`,
    `dir=$(dirname "$(pvesm path "$storage:snippets/.lattice")")`,
    `if [ -f ${manifest} ]; then`,
    `  while IFS= read -r old; do rm -f "$dir/$old"; echo "removed $old"; done < ${manifest}`,
    `  rm -f ${manifest}`,
    `fi`,
  ];
  return { create: create.join("\n") + "\n", delete: remove.join("\n") + "\n" };
}
