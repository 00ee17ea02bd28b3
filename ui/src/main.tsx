// Entry point: find the host, pick the transport, render the page and keep
// the host's iframe sized to it.
//
// The transport is Forge's (invokeRemote) when the page URL says
// ?transport=forge, when Forge's bridge is on the page (Confluence hosting
// the Custom UI resource, or the sandbox's shim) or in the Forge build
// (npm run build:forge); ?transport=connect forces Connect. Otherwise it is
// Connect's (window.AP from all.js).
import { render } from "preact";
import { api } from "./api";
import { App } from "./App";
import { ErrorIcon } from "./components";
import "./styles.css";
import {
  connectTransport,
  forgeAvailable,
  forgeBridge,
  forgeDetected,
  forgeTransport,
  hostAP,
} from "./transport";

function NoHost() {
  return (
    <div class="message message-warning" role="alert">
      <ErrorIcon />
      <div>
        <p class="message-title">Open this page from Confluence's administration</p>
        <p>
          These settings are edited inside Confluence: go to Confluence settings, then Email to Confluence. Opened on
          its own, the page cannot tell which site it belongs to.
        </p>
      </div>
    </div>
  );
}

/** Tells the host the page's height whenever it changes. */
function autoResize(tell: () => void, el: HTMLElement) {
  let queued = false;
  const resize = () => {
    queued = false;
    try {
      tell();
    } catch {
      // an old host without resize: the iframe keeps its size
    }
  };
  new ResizeObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(resize);
    }
  }).observe(el);
}

/** Which host the page should talk to: the URL's choice, else detection. */
function wantsForge(): boolean {
  const asked = new URLSearchParams(window.location.search).get("transport");
  if (asked === "forge") return true;
  if (asked === "connect") return false;
  return import.meta.env.MODE === "forge" || forgeDetected();
}

/** Runs the page on Forge: theme and resizing are the bridge's. */
function startForge(root: HTMLElement) {
  render(<App api={api(forgeTransport())} />, root);
  forgeBridge().then(
    (b) => {
      Promise.resolve(b.enableTheme?.()).catch(() => {
        // theming is optional: the CSS falls back to the system's colour scheme
      });
      // @forge/bridge sizes Forge's iframe itself; a shim may ask to be told
      if (b.resize) autoResize(() => b.resize?.(), document.body);
    },
    () => {
      // no bridge: the page's first API call says so
    },
  );
}

function start() {
  const root = document.getElementById("app")!;
  if (wantsForge()) {
    if (forgeAvailable()) startForge(root);
    else render(<NoHost />, root);
    return;
  }
  const ap = hostAP();
  if (!ap) {
    render(<NoHost />, root);
    return;
  }
  try {
    ap.theming?.initializeTheming?.();
  } catch {
    // theming is optional: the CSS falls back to the system's colour scheme
  }
  render(<App api={api(connectTransport(ap))} />, root);
  autoResize(() => (ap.resize ? ap.resize() : ap.sizeToParent?.()), document.body);
}

start();
