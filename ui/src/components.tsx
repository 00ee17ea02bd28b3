// Small ADS-like building blocks: buttons, labelled fields, messages.
import type { ComponentChildren, JSX } from "preact";

type ButtonProps = JSX.HTMLAttributes<HTMLButtonElement> & {
  appearance?: "primary" | "default" | "subtle" | "danger" | "link";
  type?: "button" | "submit";
  disabled?: boolean;
};

export function Button({ appearance = "default", type = "button", class: cls, ...rest }: ButtonProps) {
  return <button type={type} class={`btn btn-${appearance}${cls ? " " + cls : ""}`} {...rest} />;
}

export function ErrorIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M13.485 4.516a1.7 1.7 0 0 0-2.97 0L2.74 18.28A1.7 1.7 0 0 0 4.225 20.8h15.55a1.7 1.7 0 0 0 1.485-2.52zM12 8.5a1 1 0 0 1 1 1v4.5a1 1 0 1 1-2 0V9.5a1 1 0 0 1 1-1m0 10a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5"
      />
    </svg>
  );
}

export function SuccessIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20m4.3 6.3-5.8 5.8-2.8-2.8-1.4 1.4 4.2 4.2 7.2-7.2z"
      />
    </svg>
  );
}

export function InfoIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20m-1 8v7h2v-7zm1-4a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 12 6" />
    </svg>
  );
}

/** The inline message under an input; its id is what aria-describedby names. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} class="field-error">
      <ErrorIcon />
      <span>{message}</span>
    </p>
  );
}

/** aria-describedby from the ids that are present. */
export function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const s = ids.filter(Boolean).join(" ");
  return s || undefined;
}

export function Field(props: {
  id: string;
  label: string;
  required?: boolean;
  help?: ComponentChildren;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label class="label" for={props.id}>
        {props.label}
        {props.required && (
          <span class="required" aria-hidden="true">
            {" "}*
          </span>
        )}
      </label>
      {props.children}
      {props.help && (
        <p id={props.id + "-help"} class="help">
          {props.help}
        </p>
      )}
      <FieldError id={props.id + "-error"} message={props.error} />
    </div>
  );
}

export interface RadioOption {
  id: string;
  value: string;
  label: ComponentChildren;
}

/** A labelled group of radio buttons (fieldset and legend), with its error. */
export function RadioGroup(p: {
  name: string;
  legend: string;
  options: RadioOption[];
  value: string;
  onChange(value: string): void;
  errorId: string;
  error?: string;
  helpId?: string;
  stacked?: boolean;
}) {
  return (
    <fieldset class="field fieldset" aria-describedby={describedBy(p.error && p.errorId, p.helpId)}>
      <legend class="label">{p.legend}</legend>
      <div class={p.stacked ? "radios radios-stacked" : "radios"}>
        {p.options.map((o) => (
          <label key={o.value} class="radio">
            <input id={o.id} type="radio" name={p.name} value={o.value} checked={p.value === o.value} onChange={() => p.onChange(o.value)} />
            {o.label}
          </label>
        ))}
      </div>
      <FieldError id={p.errorId} message={p.error} />
    </fieldset>
  );
}

/** aria attributes of an input whose Field has help and/or an error. */
export function inputAria(id: string, hasHelp: boolean, error?: string) {
  return {
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-describedby": describedBy(error && id + "-error", hasHelp && id + "-help"),
  };
}
