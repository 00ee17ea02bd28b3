// The secure sender list: its mode and its entries, one per row.
import type { SenderList } from "./api";
import { Button, describedBy, FieldError, InfoIcon, RadioGroup } from "./components";
import { EVERYONE, SECURE, type Errors } from "./model";

export interface SendersProps {
  value: SenderList;
  errors: Errors;
  max: number;
  onMode(mode: string): void;
  onEntry(i: number, v: string): void;
  onAdd(): void;
  onRemove(i: number): void;
}

export function SendersEditor(p: SendersProps) {
  const modeErr = p.errors["senders.mode"];
  const listErr = p.errors["senders.entries"];
  const full = p.value.entries.length >= p.max;
  return (
    <section class="section" aria-labelledby="senders-title">
      <h2 id="senders-title">Secure senders</h2>
      <RadioGroup
        name="senders-mode"
        legend="Who may send to your addresses"
        value={p.value.mode === SECURE ? SECURE : EVERYONE}
        onChange={p.onMode}
        options={[
          { id: "senders-mode-everyone", value: EVERYONE, label: "Everyone may send" },
          { id: "senders-mode-secure", value: SECURE, label: "Only secure senders" },
        ]}
        errorId="senders-mode-error"
        error={modeErr}
      />
      {p.value.mode === SECURE && (
        <div id="senders-enforced" class="message message-info" role="note">
          <InfoIcon />
          <div>
            <p class="message-title">How secure senders are checked</p>
            <p>
              A message gets through only when its From address is on this list and the sender's domain proves the
              message is theirs, with SPF or DKIM. A forged From address earns nothing. Your senders' domains must have
              SPF or DKIM set up. Other mail is refused during delivery, and the sender is told why.
            </p>
          </div>
        </div>
      )}
      <p id="senders-help" class="help">
        One entry per row: <code>name@example.com</code> one address, <code>@example.com</code> every address of a
        domain, <code>.example.com</code> a domain and its subdomains.
        {p.value.mode !== SECURE && " The list is kept but not used while everyone may send."}
      </p>
      {p.value.entries.length > 0 && (
        <ul class="sender-list" aria-label="Secure sender list">
          {p.value.entries.map((e, i) => (
            <SenderRow key={i} index={i} entry={e} error={p.errors[`senders.entries[${i}]`]} onEntry={p.onEntry} onRemove={p.onRemove} />
          ))}
        </ul>
      )}
      {p.value.entries.length === 0 && <p class="muted">No secure senders yet.</p>}
      <div class="row-actions">
        <Button
          id="senders-add"
          disabled={full}
          aria-describedby={describedBy(listErr && "senders-entries-error", full && "senders-full")}
          onClick={p.onAdd}
        >
          Add sender
        </Button>
        {full && (
          <span id="senders-full" class="help">
            At most {p.max} entries.
          </span>
        )}
      </div>
      <FieldError id="senders-entries-error" message={listErr} />
    </section>
  );
}

interface RowProps {
  index: number;
  entry: string;
  error?: string;
  onEntry(i: number, v: string): void;
  onRemove(i: number): void;
}

function SenderRow(p: RowProps) {
  const id = `sender-${p.index}`;
  return (
    <li class="sender-row">
      <label class="sr-only" for={id}>
        Secure sender {p.index + 1}
      </label>
      <div class="sender-input">
        <input
          id={id}
          class="input"
          type="text"
          autoComplete="off"
          spellcheck={false}
          value={p.entry}
          placeholder="name@example.com, @example.com or .example.com"
          aria-invalid={p.error ? "true" : undefined}
          aria-describedby={describedBy(p.error && id + "-error", "senders-help")}
          onInput={(e) => p.onEntry(p.index, e.currentTarget.value)}
        />
        <Button appearance="subtle" aria-label={`Remove sender ${p.entry || p.index + 1}`} onClick={() => p.onRemove(p.index)}>
          Remove
        </Button>
      </div>
      <FieldError id={id + "-error"} message={p.error} />
    </li>
  );
}
