// The admin page: loads the configuration, edits a draft, saves it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AddressEditor } from "./AddressEditor";
import { ApiError, type AddressConfig, type Api, type Limits, type Space, type TenantConfig } from "./api";
import { Button, ErrorIcon, InfoIcon, SuccessIcon } from "./components";
import {
  addressHasErrors,
  check,
  inputId,
  newAddress,
  normalize,
  sameConfig,
  shiftErrors,
  toErrors,
  toWire,
  type Errors,
} from "./model";
import { SendersEditor } from "./SendersEditor";
import { SpamEditor } from "./SpamEditor";

interface Loaded {
  saved: TenantConfig;
  mailDomains: string[];
  limits: Limits;
}

interface Summary {
  title: string;
  message: string;
}

export function App({ api }: { api: Api }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState("");
  const [draft, setDraft] = useState<TenantConfig>(normalize(null));
  const [spaces, setSpaces] = useState<Space[] | null | undefined>(undefined);
  const [errors, setErrors] = useState<Errors>({});
  const [summary, setSummary] = useState<Summary | null>(null);
  const [success, setSuccess] = useState("");
  const [saving, setSaving] = useState(false);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [focusId, setFocusId] = useState("");
  // Stable keys for the address rows, so that a row's own state (its
  // parent search) stays with it when an earlier row is removed.
  const keys = useRef<number[]>([]);
  const nextKey = useRef(0);

  const load = () => {
    setLoadError("");
    api.config().then(
      (r) => {
        const saved = normalize(r.config);
        setLoaded({ saved, mailDomains: r.mailDomains ?? [], limits: r.limits });
        setDraft(saved);
      },
      (e: Error) => setLoadError(e.message),
    );
    api.spaces().then(
      (r) => setSpaces(r.spaces ?? []),
      () => setSpaces(null),
    );
  };
  useEffect(load, []);

  const dirty = useMemo(() => !!loaded && !sameConfig(draft, loaded.saved), [draft, loaded]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  useEffect(() => {
    if (!focusId) return;
    document.getElementById(focusId)?.focus();
    setFocusId("");
  }, [focusId]);

  if (loadError) {
    return (
      <div class="message message-error" role="alert">
        <ErrorIcon />
        <div>
          <p class="message-title">The settings could not be loaded</p>
          <p>{loadError}</p>
          <Button onClick={load}>Try again</Button>
        </div>
      </div>
    );
  }
  if (!loaded) {
    return (
      <p class="muted" role="status">
        Loading settings…
      </p>
    );
  }

  // Edits go through updaters, so that two in one event both apply.
  const edit = (update: (d: TenantConfig) => TenantConfig, clear?: string) => {
    setDraft(update);
    setSuccess("");
    if (clear) {
      setErrors((errs) => {
        if (!(clear in errs)) return errs;
        const { [clear]: _, ...rest } = errs;
        return rest;
      });
    }
  };
  const setAddress = (i: number, patch: Partial<AddressConfig>) =>
    edit(
      (d) => ({ ...d, addresses: d.addresses.map((a, j) => (j === i ? { ...a, ...patch } : a)) }),
      `addresses[${i}].${Object.keys(patch)[0]}`,
    );
  const addAddress = () => {
    const i = draft.addresses.length;
    edit((d) => ({ ...d, addresses: [...d.addresses, newAddress()] }));
    setExpanded((s) => new Set(s).add(i));
    setFocusId(`addr-${i}-address`);
  };
  const removeAddress = (i: number) => {
    keys.current.splice(i, 1);
    edit((d) => ({ ...d, addresses: d.addresses.filter((_, j) => j !== i) }));
    setErrors((errs) => shiftErrors(errs, "addresses", i));
    setExpanded((s) => new Set([...s].filter((j) => j !== i).map((j) => (j > i ? j - 1 : j))));
    const left = draft.addresses.length - 1;
    setFocusId(left > 0 ? `addr-${Math.min(i, left - 1)}-edit` : "addresses-add");
  };
  const toggle = (i: number) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (n.has(i)) n.delete(i);
      else n.add(i);
      return n;
    });
  const senders = (update: (s: TenantConfig["senders"]) => TenantConfig["senders"], clear?: string) =>
    edit((d) => ({ ...d, senders: update(d.senders) }), clear);
  const removeSender = (i: number) => {
    senders((s) => ({ ...s, entries: s.entries.filter((_, j) => j !== i) }));
    setErrors((errs) => shiftErrors(errs, "senders.entries", i));
    const left = draft.senders.entries.length - 1;
    setFocusId(left > 0 ? `sender-${Math.min(i, left - 1)}` : "senders-add");
  };

  const showProblems = (errs: Errors, s: Summary) => {
    setErrors(errs);
    setSummary(s);
    setExpanded((s) => {
      const open = new Set(s);
      draft.addresses.forEach((_, i) => addressHasErrors(errs, i) && open.add(i));
      return open;
    });
    setFocusId("summary");
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSuccess("");
    const local = check(draft, loaded.mailDomains);
    const n = Object.keys(local).length;
    if (n > 0) {
      showProblems(local, { title: n === 1 ? "1 problem to fix" : `${n} problems to fix`, message: "Nothing was saved yet." });
      return;
    }
    setSaving(true);
    try {
      const r = await api.save(toWire(draft));
      const saved = normalize(r.config);
      setLoaded({ ...loaded, saved });
      setDraft(saved);
      setErrors({});
      setSummary(null);
      setSuccess("Settings saved. New mail follows them from now on.");
    } catch (err) {
      const ae = err instanceof ApiError ? err : new ApiError(String(err), 0);
      const errs = toErrors(ae.fields);
      showProblems(errs, { title: titleFor(ae), message: ae.message });
    } finally {
      setSaving(false);
    }
  };

  const discard = () => {
    setDraft(loaded.saved);
    setErrors({});
    setSummary(null);
    setSuccess("");
  };

  while (keys.current.length < draft.addresses.length) keys.current.push(nextKey.current++);
  keys.current.length = draft.addresses.length;
  const maxAddr = loaded.limits?.maxAddresses ?? 500;
  const fullAddr = draft.addresses.length >= maxAddr;
  return (
    <form class="form" noValidate onSubmit={save}>
      <header class="page-header">
        <h1>Email to Confluence</h1>
        <p class="lead">
          Mail sent to the addresses below becomes pages or blog posts in this site's spaces. Changes apply once saved.
        </p>
      </header>

      {summary && <ProblemSummary summary={summary} errors={errors} onJump={(p) => jump(p, setExpanded, expanded)} />}
      {success && (
        <div class="message message-success" role="status">
          <SuccessIcon />
          <p>{success}</p>
        </div>
      )}

      <section class="section" aria-labelledby="addresses-title">
        <h2 id="addresses-title">Addresses</h2>
        {draft.addresses.length === 0 ? (
          <p class="empty">
            <InfoIcon /> No addresses yet. Add one to start publishing mail.
          </p>
        ) : (
          <ul class="cards" aria-label="Receiving addresses">
            {draft.addresses.map((a, i) => (
              <AddressEditor
                key={keys.current[i]}
                index={i}
                value={a}
                errors={errors}
                expanded={expanded.has(i)}
                mailDomains={loaded.mailDomains}
                spaces={spaces === undefined ? [] : spaces}
                api={api}
                onChange={(patch) => setAddress(i, patch)}
                onToggle={() => toggle(i)}
                onRemove={() => removeAddress(i)}
              />
            ))}
          </ul>
        )}
        <div class="row-actions">
          <Button id="addresses-add" disabled={fullAddr} onClick={addAddress}>
            Add address
          </Button>
          {fullAddr && <span class="help">At most {maxAddr} addresses per site.</span>}
        </div>
        {errors["addresses"] && (
          <p class="field-error" id="addresses-error">
            <ErrorIcon />
            <span>{errors["addresses"]}</span>
          </p>
        )}
      </section>

      <SendersEditor
        value={draft.senders}
        errors={errors}
        max={loaded.limits?.maxSenderEntries ?? 2000}
        onMode={(mode) => senders((s) => ({ ...s, mode }), "senders.mode")}
        onEntry={(i, v) => senders((s) => ({ ...s, entries: s.entries.map((x, j) => (j === i ? v : x)) }), `senders.entries[${i}]`)}
        onAdd={() => {
          senders((s) => ({ ...s, entries: [...s.entries, ""] }), "senders.entries");
          setFocusId(`sender-${draft.senders.entries.length}`);
        }}
        onRemove={removeSender}
      />

      <SpamEditor
        value={draft.spam}
        errors={errors}
        onAction={(action) => edit((d) => ({ ...d, spam: { action } }), "spam.action")}
      />

      <div class="save-bar">
        <Button appearance="primary" type="submit" disabled={saving} aria-describedby={dirty ? "dirty-note" : undefined}>
          {saving ? "Saving…" : "Save"}
        </Button>
        <Button appearance="subtle" disabled={!dirty || saving} onClick={discard}>
          Discard changes
        </Button>
        {dirty && (
          <span id="dirty-note" class="lozenge lozenge-moved">
            Unsaved changes
          </span>
        )}
      </div>
    </form>
  );
}

function titleFor(e: ApiError): string {
  switch (e.status) {
    case 400:
      return e.fields.length === 1 ? "1 problem to fix" : e.fields.length ? `${e.fields.length} problems to fix` : "The settings were not saved";
    case 401:
      return "Your session has expired";
    case 409:
      return "An address is taken";
    default:
      return "The settings were not saved";
  }
}

function jump(path: string, setExpanded: (s: Set<number>) => void, expanded: Set<number>) {
  const m = /^addresses\[(\d+)\]/.exec(path);
  if (m && !expanded.has(+m[1])) setExpanded(new Set(expanded).add(+m[1]));
  window.setTimeout(() => document.getElementById(inputId(path))?.focus(), 0);
}

/** Where a path is, in words: "Address 3, space". */
function where(path: string): string {
  const names: Record<string, string> = {
    address: "address",
    spaceKey: "space",
    parentId: "parent",
    parentType: "parent",
    contentType: "publish as",
    titleFormat: "title format",
  };
  let m = /^addresses\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (m) return `Address ${+m[1] + 1}${m[2] ? ", " + (names[m[2]] ?? m[2]) : ""}`;
  m = /^senders\.entries\[(\d+)\]$/.exec(path);
  if (m) return `Secure sender ${+m[1] + 1}`;
  if (path === "senders.entries") return "Secure senders";
  if (path === "senders.mode") return "Who may send";
  if (path === "spam.action") return "Spam";
  if (path === "addresses") return "Addresses";
  return path;
}

function ProblemSummary({ summary, errors, onJump }: { summary: Summary; errors: Errors; onJump(p: string): void }) {
  {
    const paths = Object.keys(errors);
    return (
      <div id="summary" class="message message-error" role="alert" tabIndex={-1}>
        <ErrorIcon />
        <div>
          <p class="message-title">{summary.title}</p>
          <p>{summary.message}</p>
          {paths.length > 0 && (
            <ul class="problem-list">
              {paths.map((p) => (
                <li key={p}>
                  {inputId(p) ? (
                  <a
                    href={"#" + inputId(p)}
                    onClick={(e) => {
                      e.preventDefault();
                      onJump(p);
                    }}
                  >
                    {where(p)}
                  </a>
                  ) : (
                    where(p)
                  )}
                  : {errors[p]}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    );
  }
}
