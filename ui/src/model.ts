// The editable configuration, its client-side checks and the mapping of the
// API's field paths to inputs. The server is the authority: these checks
// only catch obvious mistakes before a round trip.
import type { AddressConfig, FieldError, TenantConfig } from "./api";

export const PAGE = "page";
export const BLOGPOST = "blogpost";
export const EVERYONE = "everyone";
export const SECURE = "secure";
export const REFUSE = "refuse";
export const MARK = "mark";

/** Field errors by JSON path ("addresses[2].spaceKey"). */
export type Errors = Record<string, string>;

export function normalize(c: TenantConfig | null | undefined): TenantConfig {
  return {
    addresses: (c?.addresses ?? []).map((a) => ({
      address: a.address ?? "",
      spaceKey: a.spaceKey ?? "",
      parentId: a.parentId ?? "",
      parentType: a.parentType ?? "",
      contentType: a.contentType || PAGE,
      titleFormat: a.titleFormat ?? "{subject}",
    })),
    senders: { mode: c?.senders?.mode || EVERYONE, entries: [...(c?.senders?.entries ?? [])] },
    spam: { action: c?.spam?.action || REFUSE },
  };
}

/** What is sent: empty parents dropped, as the server keeps them. */
export function toWire(c: TenantConfig): TenantConfig {
  return {
    addresses: c.addresses.map((a) => {
      const w: AddressConfig = {
        address: a.address.trim().toLowerCase(),
        spaceKey: a.spaceKey,
        contentType: a.contentType,
        titleFormat: a.titleFormat,
      };
      if (a.parentId) {
        w.parentId = a.parentId;
        w.parentType = a.parentType || PAGE;
      }
      return w;
    }),
    senders: { mode: c.senders.mode, entries: c.senders.entries.map((e) => e.trim().toLowerCase()) },
    spam: { action: c.spam.action },
  };
}

export function sameConfig(a: TenantConfig, b: TenantConfig): boolean {
  return JSON.stringify(toWire(a)) === JSON.stringify(toWire(b));
}

export function newAddress(): AddressConfig {
  return { address: "", spaceKey: "", parentId: "", parentType: "", contentType: PAGE, titleFormat: "{subject}" };
}

export function splitAddress(addr: string): [string, string] {
  const at = addr.lastIndexOf("@");
  return at < 0 ? [addr, ""] : [addr.slice(0, at), addr.slice(at + 1)];
}

const localRe = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
const domainRe = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function senderProblem(e: string): string {
  const s = e.trim().toLowerCase();
  if (!s) return "Enter a sender: name@domain, @domain or .domain.";
  if (s.startsWith("@") || s.startsWith(".")) {
    return domainRe.test(s.slice(1)) ? "" : `“${e}” is not a domain after “${s[0]}”.`;
  }
  const [local, domain] = splitAddress(s);
  if (s.includes("@") && localRe.test(local) && local.length <= 64 && domainRe.test(domain)) return "";
  return `“${e}” is not a sender entry: use name@domain, @domain or .domain.`;
}

/** Obvious mistakes, by path, in the server's terms. */
export function check(c: TenantConfig, mailDomains: string[]): Errors {
  const errs: Errors = {};
  const seen = new Map<string, number>();
  c.addresses.forEach((a, i) => {
    const p = `addresses[${i}].`;
    const addr = a.address.trim().toLowerCase();
    const [local, domain] = splitAddress(addr);
    if (!local) errs[p + "address"] = "Enter the part before the @, e.g. docs.";
    else if (!localRe.test(local) || local.length > 64)
      errs[p + "address"] = `“${local}” cannot be the part before the @ (letters, digits, . - _ +).`;
    else if (!domain || (mailDomains.length > 0 && !mailDomains.includes(domain)))
      errs[p + "address"] = "Choose one of this service's mail domains.";
    else if (seen.has(addr)) errs[p + "address"] = `${addr} is already listed as address ${seen.get(addr)! + 1}.`;
    else seen.set(addr, i);
    if (!a.spaceKey) errs[p + "spaceKey"] = "Choose the space this address publishes to.";
    if ((a.titleFormat ?? "").length > 200) errs[p + "titleFormat"] = "At most 200 characters.";
  });
  const dup = new Set<string>();
  c.senders.entries.forEach((e, i) => {
    const msg = senderProblem(e);
    const k = e.trim().toLowerCase();
    if (msg) errs[`senders.entries[${i}]`] = msg;
    else if (dup.has(k)) errs[`senders.entries[${i}]`] = `${k} is listed twice.`;
    dup.add(k);
  });
  if (c.senders.mode === SECURE && c.senders.entries.length === 0)
    errs["senders.entries"] = "Only secure senders may send, but the list is empty: add a sender or let everyone send.";
  return errs;
}

export function toErrors(fields: FieldError[]): Errors {
  const errs: Errors = {};
  for (const f of fields) {
    const k = canonical(f.field);
    errs[k] = errs[k] ? `${errs[k]} ${f.message}` : f.message;
  }
  return errs;
}

/** "addresses.2.spaceKey" or "addresses[2].spaceKey" → "addresses[2].spaceKey". */
export function canonical(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, "[$1]").replace(/^\$\.?/, "");
}

/** The DOM id of the input a path belongs to, or "" when none. */
export function inputId(path: string): string {
  let m = /^addresses\[(\d+)\]\.(\w+)$/.exec(path);
  if (m) {
    const field = m[2] === "parentType" ? "parentId" : m[2];
    return `addr-${m[1]}-${field}`;
  }
  m = /^senders\.entries\[(\d+)\]$/.exec(path);
  if (m) return `sender-${m[1]}`;
  if (path === "senders.mode") return "senders-mode-everyone";
  if (path === "senders.entries") return "senders-add";
  if (path === "spam.action") return "spam-action-refuse";
  if (path === "addresses") return "addresses-add";
  m = /^addresses\[(\d+)\]/.exec(path);
  if (m) return `addr-${m[1]}-address`;
  return "";
}

/** Errors after removing item `removed` of the list at prefix: later indexes move up. */
export function shiftErrors(errs: Errors, prefix: string, removed: number): Errors {
  const out: Errors = {};
  const re = new RegExp("^" + prefix.replace(/[.[\]]/g, "\\$&") + "\\[(\\d+)\\](.*)$");
  for (const [k, v] of Object.entries(errs)) {
    const m = re.exec(k);
    if (!m) out[k] = v;
    else if (+m[1] < removed) out[k] = v;
    else if (+m[1] > removed) out[`${prefix}[${+m[1] - 1}]${m[2]}`] = v;
  }
  return out;
}

/** Errors under an address ("addresses[2]…"). */
export function addressHasErrors(errs: Errors, i: number): boolean {
  const p = `addresses[${i}]`;
  return Object.keys(errs).some((k) => k === p || k.startsWith(p + "."));
}

export function previewTitle(format: string, sample = { subject: "Weekly report", sender: "Ada Lovelace" }): string {
  const date = new Date().toISOString().slice(0, 10);
  const f = format.trim() || "{subject}";
  return f.replaceAll("{subject}", sample.subject).replaceAll("{date}", date).replaceAll("{sender}", sample.sender);
}
