// What becomes of mail the spam filter judges to be spam: refused, or
// published with a label.
import type { SpamSettings } from "./api";
import { RadioGroup } from "./components";
import { MARK, REFUSE, type Errors } from "./model";

export interface SpamProps {
  value: SpamSettings;
  errors: Errors;
  onAction(action: string): void;
}

export function SpamEditor(p: SpamProps) {
  return (
    <section class="section" aria-labelledby="spam-title">
      <h2 id="spam-title">Spam</h2>
      <RadioGroup
        name="spam-action"
        legend="When a message looks like spam"
        stacked
        value={p.value.action === MARK ? MARK : REFUSE}
        onChange={p.onAction}
        options={[
          { id: "spam-action-refuse", value: REFUSE, label: "Refuse spam during delivery (the sender is told)" },
          {
            id: "spam-action-mark",
            value: MARK,
            label: (
              <span>
                Publish it with the label <code>mailwiki-spam</code>
              </span>
            ),
          },
        ]}
        errorId="spam-action-error"
        error={p.errors["spam.action"]}
        helpId="spam-help"
      />
      <p id="spam-help" class="help">
        Malware is always refused. Mail from secure senders is not checked for spam.
      </p>
    </section>
  );
}
