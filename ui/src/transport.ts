// The transport layer: how the admin page reaches mailwiki's API. The page
// runs inside Confluence, in an iframe, and never holds credentials of its
// own: every call is authenticated by the host.
//
//   - Connect: the host's all.js defines window.AP; before each call we ask
//     it for a fresh context token (AP.context.getToken: tokens expire after
//     a few minutes) and send it as "Authorization: JWT <token>" to our
//     backend, relative to the page (/admin/ → /admin/api/...).
//   - Forge: the page is the Custom UI resource of the app's
//     confluence:globalSettings module (forge/manifest.yml). Each call is
//     invokeRemote({path: "/admin/api/...", method, body}); Forge proxies it
//     to the remote (mailwiki) through the module's resolver endpoint, adding
//     the Forge Invocation Token and the OAuth tokens itself. See
//     forgeTransport below.
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

/** What invokeRemote sends: the path is relative to the remote's baseUrl. */
export interface ForgeRemoteRequest {
  path: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  /** A JSON object (Forge refuses other bodies). */
  body?: unknown;
}

/** What invokeRemote answers: headers may be joined or arrays. */
export interface ForgeRemoteResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}

/**
 * The part of Forge's bridge this page uses. @forge/bridge provides it in
 * Confluence; the sandbox provides the same shape as
 * window.__mailwikiForgeBridge from its host script (/wiki/forge/bridge.js),
 * so that the page's Forge path is tested without Atlassian.
 */
export interface ForgeBridge {
  invokeRemote(req: ForgeRemoteRequest): Promise<ForgeRemoteResponse>;
  /** Applies Confluence's theme (view.theme.enable); optional. */
  enableTheme?: () => Promise<void> | void;
  /** Fits the host's iframe to the page; optional (Forge resizes itself). */
  resize?: () => void;
}

declare global {
  interface Window {
    /** A test host's stand-in for @forge/bridge (the sandbox's bridge.js). */
    __mailwikiForgeBridge?: ForgeBridge;
  }
}

/** The sandbox's bridge shim, when the host script defined one. */
function shimBridge(): ForgeBridge | undefined {
  const b = window.__mailwikiForgeBridge;
  return b && typeof b.invokeRemote === "function" ? b : undefined;
}

/** Forge's own host bridge, which @forge/bridge talks to. */
function hostBridgePresent(): boolean {
  const host = (globalThis as { __bridge?: { callBridge?: unknown } }).__bridge;
  return typeof host?.callBridge === "function";
}

/**
 * forgeAvailable reports whether a Forge bridge can be had on this page: the
 * sandbox's shim, or Forge's host bridge (window.__bridge, there before the
 * page's scripts run: @forge/bridge itself reads it when it loads) in the
 * Forge build, which bundles @forge/bridge. The Forge build opened outside
 * Confluence has neither.
 */
export function forgeAvailable(): boolean {
  return !!shimBridge() || (import.meta.env.MODE === "forge" && hostBridgePresent());
}

/** Whether the page is hosted by Forge: a bridge is there. */
export function forgeDetected(): boolean {
  return !!shimBridge() || hostBridgePresent();
}

let bridgePromise: Promise<ForgeBridge> | undefined;

/**
 * forgeBridge returns the bridge: the shim when the page has one, else
 * @forge/bridge. Only the Forge build (vite --mode forge) bundles
 * @forge/bridge, as a chunk loaded on first use; in the Connect build the
 * condition is false at compile time and the import is dropped, so the
 * bundle embedded in the server carries none of it.
 */
export function forgeBridge(): Promise<ForgeBridge> {
  bridgePromise ??= loadBridge();
  return bridgePromise;
}

async function loadBridge(): Promise<ForgeBridge> {
  const shim = shimBridge();
  if (shim) return shim;
  if (import.meta.env.MODE === "forge") {
    const m = await import("@forge/bridge");
    return {
      invokeRemote: (req) => m.invokeRemote(req),
      enableTheme: () => m.view.theme.enable(),
    };
  }
  throw new Error("Confluence's Forge bridge is not available on this page.");
}

/**
 * fromForge maps an invokeRemote answer to the fetch-like response the page
 * reads: 2xx is ok, the body is what json() gives. Forge parses a JSON body
 * itself; a string body is parsed here (one that is not JSON fails json(),
 * as fetch's would), an empty one reads as null.
 */
export function fromForge(r: ForgeRemoteResponse): ResponseLike {
  if (!r || typeof r.status !== "number" || !Number.isFinite(r.status)) {
    throw new Error("Confluence could not reach mailwiki: the Forge bridge gave no answer.");
  }
  const status = r.status;
  const body = r.body;
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => {
      if (typeof body === "string") return body === "" ? null : (JSON.parse(body) as unknown);
      return body === undefined ? null : body;
    },
  };
}

/**
 * forgeTransport calls the API at base (default "/admin/api/", a path under
 * the remote's baseUrl) through invokeRemote. The server verifies the Forge
 * Invocation Token instead of a Connect JWT (AdminOptions.Authenticate); the
 * API and its answers stay the same.
 */
export function forgeTransport(
  bridge: () => Promise<ForgeBridge> = forgeBridge,
  base = "/admin/api/",
): Transport {
  const call = async (method: "GET" | "PUT", path: string, body?: unknown) => {
    const b = await bridge();
    const req: ForgeRemoteRequest = { path: base + path, method, headers: { Accept: "application/json" } };
    if (body !== undefined) req.body = body;
    return fromForge(await b.invokeRemote(req));
  };
  return {
    get: (path) => call("GET", path),
    put: (path, body) => call("PUT", path, body),
  };
}
