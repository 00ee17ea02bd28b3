// The transport layer: how the admin page reaches mailwiki's API. The page
// runs inside Confluence, in an iframe, and never holds credentials of its
// own: every call is authenticated by the host.
//
//   - Connect (now): the host's all.js defines window.AP; before each call
//     we ask it for a fresh context token (AP.context.getToken: tokens expire
//     after a few minutes) and send it as "Authorization: JWT <token>" to our
//     backend, relative to the page (/admin/ → /admin/api/...).
//   - Forge (later): @forge/bridge's invokeRemote({path, method, body})
//     reaches the same API through Forge's remote, which adds the
//     Forge Invocation Token itself. See forgeTransport below; the app adds
//     @forge/bridge only when it becomes a Forge app.

/** The part of a fetch Response the page uses. */
export interface ResponseLike {
  readonly status: number;
  readonly ok: boolean;
  json(): Promise<unknown>;
}

export interface Transport {
  /** GET path ("config", "spaces", "parents?space=DOCS"): relative to the API root. */
  get(path: string): Promise<ResponseLike>;
  /** PUT path with body as JSON. */
  put(path: string, body: unknown): Promise<ResponseLike>;
}

/** The subset of Connect's window.AP this page uses. */
export interface ConnectAP {
  context: {
    getToken(callback?: (token: string) => void): Promise<string> | void;
  };
  resize?: (width?: string, height?: string) => void;
  sizeToParent?: () => void;
  theming?: { initializeTheming?: () => void };
}

declare global {
  interface Window {
    AP?: ConnectAP;
  }
}

/** The host's AP object, when the page was opened inside Confluence. */
export function hostAP(): ConnectAP | undefined {
  const ap = window.AP;
  return ap && typeof ap.context?.getToken === "function" ? ap : undefined;
}

/** Asks the host for a context token, accepting both of all.js's styles. */
export function contextToken(ap: ConnectAP, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(
      () => reject(new Error("Confluence did not answer the request for a session token.")),
      timeoutMs,
    );
    const done = (token: string) => {
      window.clearTimeout(timer);
      if (token) resolve(token);
      else reject(new Error("Confluence gave no session token."));
    };
    try {
      const p = ap.context.getToken(done);
      if (p && typeof p.then === "function") p.then(done, reject);
    } catch (e) {
      window.clearTimeout(timer);
      reject(e);
    }
  });
}

/**
 * connectTransport calls the API at base (default "api/", relative to the
 * page at /admin/) with a fresh Connect context token on every request.
 */
export function connectTransport(ap: ConnectAP, base = "api/"): Transport {
  const call = async (method: string, path: string, body?: unknown) => {
    const token = await contextToken(ap);
    const headers: Record<string, string> = {
      Authorization: "JWT " + token,
      Accept: "application/json",
    };
    const init: RequestInit = { method, headers, credentials: "omit", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init);
  };
  return {
    get: (path) => call("GET", path),
    put: (path, body) => call("PUT", path, body),
  };
}

/*
 * forgeTransport, for the Forge app (not built yet):
 *
 *   import { invokeRemote } from "@forge/bridge";
 *   export function forgeTransport(): Transport {
 *     const call = async (method: string, path: string, body?: unknown) => {
 *       const r = await invokeRemote({ path: "/admin/api/" + path, method, body });
 *       return { status: r.status, ok: r.status < 400, json: async () => r.body };
 *     };
 *     return { get: (p) => call("GET", p), put: (p, b) => call("PUT", p, b) };
 *   }
 *
 * The server then verifies a Forge Invocation Token instead of a Connect
 * JWT (AdminOptions.Authenticate); the API and its answers stay the same.
 */
