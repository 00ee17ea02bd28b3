// Entry point: find the host (Connect's window.AP), pick the transport,
// render the page and keep the host's iframe sized to it.
import { render } from "preact";
import { api } from "./api";
import { App } from "./App";
import { ErrorIcon } from "./components";
import "./styles.css";
import { connectTransport, hostAP, type ConnectAP } from "./transport";

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
function autoResize(ap: ConnectAP, el: HTMLElement) {
  let queued = false;
  const resize = () => {
    queued = false;
    try {
      if (ap.resize) ap.resize();
      else ap.sizeToParent?.();
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

function start() {
  const root = document.getElementById("app")!;
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
  autoResize(ap, document.body);
}

start();
