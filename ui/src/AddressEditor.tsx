// One receiving address: its summary line and, when expanded, its form.
import { useEffect, useState } from "preact/hooks";
import type { AddressConfig, Api, Parent, Space } from "./api";
import { Button, describedBy, Field, FieldError, inputAria, RadioGroup } from "./components";
import { BLOGPOST, PAGE, previewTitle, splitAddress, type Errors } from "./model";

export interface AddressProps {
  index: number;
  value: AddressConfig;
  errors: Errors;
  expanded: boolean;
  mailDomains: string[];
  spaces: Space[] | null;
  api: Api;
  onChange(patch: Partial<AddressConfig>): void;
  onToggle(): void;
  onRemove(): void;
}

export function AddressEditor(p: AddressProps) {
  const id = `addr-${p.index}`;
  const err = (f: string) => p.errors[`addresses[${p.index}].${f}`];
  const whole = p.errors[`addresses[${p.index}]`];
  const nErrors = Object.keys(p.errors).filter((k) => k.startsWith(`addresses[${p.index}]`)).length;
  const label = p.value.address || `new address ${p.index + 1}`;
  return (
    <li class={`card${nErrors ? " card-invalid" : ""}`} aria-labelledby={id + "-title"}>
      <div class="card-header">
        <div class="card-heading">
          <h3 id={id + "-title"} class="card-title">
            {p.value.address || <span class="muted">New address</span>}
          </h3>
          <p class="card-summary">{summary(p.value, p.spaces)}</p>
          {!p.expanded && nErrors > 0 && (
            <p class="field-error">
              <span>{nErrors === 1 ? "1 problem" : `${nErrors} problems`}: edit to see.</span>
            </p>
          )}
        </div>
        <div class="card-actions">
          <Button
            id={id + "-edit"}
            appearance="subtle"
            aria-expanded={p.expanded ? "true" : "false"}
            aria-controls={id + "-panel"}
            aria-label={`${p.expanded ? "Close" : "Edit"} address ${label}`}
            onClick={p.onToggle}
          >
            {p.expanded ? "Close" : "Edit"}
          </Button>
          <Button appearance="subtle" class="btn-remove" aria-label={`Remove address ${label}`} onClick={p.onRemove}>
            Remove
          </Button>
        </div>
      </div>
      <FieldError id={id + "-error"} message={whole} />
      {p.expanded && (
        <div id={id + "-panel"} class="card-body">
          <AddressField {...p} id={id} error={err("address")} />
          <SpaceField {...p} id={id} error={err("spaceKey")} />
          <ContentTypeField {...p} id={id} error={err("contentType")} />
          <ParentPicker
            id={id + "-parentId"}
            api={p.api}
            spaceKey={p.value.spaceKey}
            blog={p.value.contentType === BLOGPOST}
            parentId={p.value.parentId ?? ""}
            parentType={p.value.parentType ?? ""}
            error={[err("parentId"), err("parentType")].filter(Boolean).join(" ")}
            onChange={(parentId, parentType) => p.onChange({ parentId, parentType })}
          />
          <TitleField {...p} id={id + "-titleFormat"} error={err("titleFormat")} />
        </div>
      )}
    </li>
  );
}

function summary(a: AddressConfig, spaces: Space[] | null): string {
  if (!a.spaceKey) return "No space chosen yet";
  const space = spaces?.find((s) => s.key === a.spaceKey);
  const where = space ? `${space.name} (${space.key})` : a.spaceKey;
  const what = a.contentType === BLOGPOST ? "blog posts" : a.parentId ? "pages under a chosen parent" : "pages";
  return `Publishes ${what} in ${where}`;
}

type FieldProps = AddressProps & { id: string; error?: string };

function AddressField(p: FieldProps) {
  const [local, domain] = splitAddress(p.value.address);
  const fid = p.id + "-address";
  const domains = domain && !p.mailDomains.includes(domain) ? [...p.mailDomains, domain] : p.mailDomains;
  const set = (l: string, d: string) => p.onChange({ address: d ? `${l}@${d}` : l });
  const aria = {
    "aria-invalid": p.error ? ("true" as const) : undefined,
    "aria-describedby": describedBy(p.error && fid + "-error", fid + "-help"),
  };
  return (
    <div class="field">
      <label class="label" for={fid}>
        Address<span class="required" aria-hidden="true"> *</span>
      </label>
      <div class="address-input">
        <input
          id={fid}
          class="input"
          type="text"
          autoComplete="off"
          spellcheck={false}
          required
          value={local}
          placeholder="docs"
          onInput={(e) => set(e.currentTarget.value, domain || p.mailDomains[0] || "")}
          {...aria}
        />
        <span class="at" aria-hidden="true">
          @
        </span>
        <label class="sr-only" for={p.id + "-domain"}>
          Mail domain
        </label>
        {domains.length > 0 ? (
          <select
            id={p.id + "-domain"}
            class="select"
            value={domain || domains[0]}
            onChange={(e) => set(local, e.currentTarget.value)}
            {...aria}
          >
            {domains.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={p.id + "-domain"}
            class="input"
            type="text"
            value={domain}
            placeholder="example.com"
            onInput={(e) => set(local, e.currentTarget.value)}
            {...aria}
          />
        )}
      </div>
      <p id={fid + "-help"} class="help">
        Mail sent to this address is published to Confluence.
      </p>
      <FieldError id={fid + "-error"} message={p.error} />
    </div>
  );
}

function SpaceField(p: FieldProps) {
  const fid = p.id + "-spaceKey";
  const known = p.spaces?.some((s) => s.key === p.value.spaceKey);
  const onSpace = (key: string) => p.onChange({ spaceKey: key, parentId: "", parentType: "" });
  if (p.spaces === null) {
    return (
      <Field id={fid} label="Space key" required error={p.error} help="The list of spaces could not be loaded; type the space key.">
        <input
          id={fid}
          class="input"
          type="text"
          required
          value={p.value.spaceKey}
          onInput={(e) => onSpace(e.currentTarget.value.trim())}
          {...inputAria(fid, true, p.error)}
        />
      </Field>
    );
  }
  return (
    <Field id={fid} label="Space" required error={p.error}>
      <select
        id={fid}
        class="select"
        required
        value={p.value.spaceKey}
        onChange={(e) => onSpace(e.currentTarget.value)}
        {...inputAria(fid, false, p.error)}
      >
        <option value="">Choose a space</option>
        {p.value.spaceKey && !known && <option value={p.value.spaceKey}>{p.value.spaceKey} (not found on this site)</option>}
        {p.spaces.map((s) => (
          <option key={s.key} value={s.key}>
            {s.name} ({s.key})
          </option>
        ))}
      </select>
    </Field>
  );
}

function ContentTypeField(p: FieldProps) {
  const name = p.id + "-contentType";
  const choose = (ct: string) =>
    p.onChange(ct === BLOGPOST ? { contentType: ct, parentId: "", parentType: "" } : { contentType: ct });
  return (
    <RadioGroup
      name={name}
      legend="Publish as"
      value={p.value.contentType === BLOGPOST ? BLOGPOST : PAGE}
      onChange={choose}
      options={[
        { id: name, value: PAGE, label: "Page" },
        { id: name + "-blogpost", value: BLOGPOST, label: "Blog post" },
      ]}
      errorId={name + "-error"}
      error={p.error}
    />
  );
}

function TitleField(p: FieldProps) {
  const v = p.value.titleFormat ?? "";
  return (
    <Field
      id={p.id}
      label="Title format"
      error={p.error}
      help={
        <>
          Placeholders: <code>{"{subject}"}</code> the message's subject, <code>{"{date}"}</code> the day it was received
          (YYYY-MM-DD), <code>{"{sender}"}</code> the sender's name or address. Anything else is kept as written. Empty
          means <code>{"{subject}"}</code>.
          <br />
          Example: <span class="preview">{previewTitle(v)}</span>
        </>
      }
    >
      <input
        id={p.id}
        class="input"
        type="text"
        maxLength={200}
        value={v}
        placeholder="{subject}"
        onInput={(e) => p.onChange({ titleFormat: e.currentTarget.value })}
        {...inputAria(p.id, true, p.error)}
      />
    </Field>
  );
}

interface PickerProps {
  id: string;
  api: Api;
  spaceKey: string;
  blog: boolean;
  parentId: string;
  parentType: string;
  error?: string;
  onChange(parentId: string, parentType: string): void;
}

/** The optional parent: pages and folders of the space, searchable by title. */
function ParentPicker(p: PickerProps) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Parent[] | null>(null);
  const [status, setStatus] = useState("");
  const [chosen, setChosen] = useState<Parent | null>(null);
  const active = !!p.spaceKey && !p.blog;
  useEffect(() => {
    if (!active) return;
    let stale = false;
    setStatus("Loading pages…");
    const t = window.setTimeout(() => {
      p.api.parents(p.spaceKey, q.trim()).then(
        (r) => {
          if (stale) return;
          setFound(r.parents ?? []);
          const n = r.parents?.length ?? 0;
          setStatus(n ? `${n} ${n === 1 ? "page or folder" : "pages and folders"} found.` : q ? `No page or folder matches “${q}”.` : "This space has no pages yet.");
        },
        (e: Error) => !stale && (setFound([]), setStatus(e.message)),
      );
    }, 250);
    return () => {
      stale = true;
      window.clearTimeout(t);
    };
  }, [p.spaceKey, q, active]);

  if (p.blog || !p.spaceKey) {
    return (
      <div class="field">
        <p class="label">Parent</p>
        <p class="help">{p.blog ? "Blog posts have no parent: they go to the space's blog." : "Choose a space first."}</p>
        <FieldError id={p.id + "-error"} message={p.error} />
      </div>
    );
  }
  const list = found ?? [];
  const current = p.parentId && !list.some((x) => x.id === p.parentId);
  const currentTitle = chosen?.id === p.parentId ? chosen.title : `the current parent (id ${p.parentId})`;
  const pick = (v: string) => {
    const x = list.find((y) => y.id === v);
    if (x) setChosen(x);
    p.onChange(v, v ? x?.type || p.parentType || PAGE : "");
  };
  return (
    <div class="field parent-picker">
      <label class="label" for={p.id + "-search"}>
        Find a parent page or folder
      </label>
      <input
        id={p.id + "-search"}
        class="input"
        type="search"
        value={q}
        placeholder="Search by title"
        aria-describedby={p.id + "-status"}
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      <p id={p.id + "-status"} class="help" aria-live="polite">
        {status}
      </p>
      <label class="label" for={p.id}>
        Parent (optional)
      </label>
      <select id={p.id} class="select" value={p.parentId} onChange={(e) => pick(e.currentTarget.value)} {...inputAria(p.id, true, p.error)}>
        <option value="">None: under the space's home page</option>
        {current && <option value={p.parentId}>{cap(currentTitle)}</option>}
        {list.map((x) => (
          <option key={x.id} value={x.id}>
            {x.title}
            {x.type === "folder" ? " (folder)" : ""}
          </option>
        ))}
      </select>
      <p id={p.id + "-help"} class="help">
        New pages are created under this page or folder.
      </p>
      <FieldError id={p.id + "-error"} message={p.error} />
    </div>
  );
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
