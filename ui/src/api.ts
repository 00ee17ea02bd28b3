// The admin API's shapes (internal/web/admin.go) and typed calls over a Transport.
import type { ResponseLike, Transport } from "./transport";

export interface AddressConfig {
  address: string;
  spaceKey: string;
  parentId?: string;
  parentType?: string; // "page" | "folder"
  contentType: string; // "page" | "blogpost"
  titleFormat?: string;
}

export interface SenderList {
  mode: string; // "everyone" | "secure"
  entries: string[];
}

export interface SpamSettings {
  action: string; // "refuse" | "mark"
}

export interface TenantConfig {
  addresses: AddressConfig[];
  senders: SenderList;
  spam: SpamSettings;
}

export interface Limits {
  maxAddresses: number;
  maxSenderEntries: number;
}

export interface ConfigAnswer {
  config: TenantConfig;
  mailDomains: string[];
  limits: Limits;
}

export interface Space {
  id: string;
  key: string;
  name: string;
}

export interface Parent {
  id: string;
  title: string;
  type: string; // "page" | "folder"
}

export interface FieldError {
  field: string; // a JSON path: "addresses[2].spaceKey", "senders.entries[0]"
  message: string;
}

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const unreachable =
  "mailwiki could not be reached. Check your connection and try again.";

async function answer<T>(p: Promise<ResponseLike>): Promise<T> {
  let r: ResponseLike;
  try {
    r = await p;
  } catch (e) {
    const msg = e instanceof Error && e.message.startsWith("Confluence") ? e.message : unreachable;
    throw new ApiError(msg, 0);
  }
  let body: unknown = null;
  try {
    body = await r.json();
  } catch {
    // not JSON: a proxy's error page; the status speaks below
  }
  if (r.ok) return body as T;
  const b = (body ?? {}) as { error?: unknown; fields?: unknown };
  const msg = typeof b.error === "string" && b.error ? b.error : statusSentence(r.status);
  const fields = Array.isArray(b.fields) ? (b.fields as FieldError[]) : [];
  throw new ApiError(msg, r.status, fields);
}

function statusSentence(status: number): string {
  if (status === 401) return "Your session has expired. Reload the page.";
  if (status === 413) return "The configuration is too large to save.";
  if (status >= 500) return "Confluence could not be reached; nothing was saved. Try again.";
  return `The request failed (HTTP ${status}).`;
}

export function api(t: Transport) {
  return {
    config: () => answer<ConfigAnswer>(t.get("config")),
    save: (cfg: TenantConfig) => answer<{ config: TenantConfig }>(t.put("config", cfg)),
    spaces: () => answer<{ spaces: Space[] }>(t.get("spaces")),
    parents: (space: string, q: string) =>
      answer<{ parents: Parent[] }>(
        t.get(`parents?space=${encodeURIComponent(space)}&q=${encodeURIComponent(q)}`),
      ),
  };
}

export type Api = ReturnType<typeof api>;
