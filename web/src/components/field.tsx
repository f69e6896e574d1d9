import type { ComponentChildren } from "preact";

interface FieldProps {
  id: string;
  label: string;
  help: ComponentChildren;
  value: string;
  onInput: (value: string) => void;
  type?: "text" | "password" | "number" | "url";
  required?: boolean;
  placeholder?: string;
}

/** A labelled input whose explanation is read out with it. */
export function Field(props: FieldProps) {
  const helpId = `${props.id}-help`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        // Preact's types split inputs by type; all four take a text value.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        required={props.required ?? false}
        placeholder={props.placeholder}
        autoComplete={props.type === "password" ? "new-password" : "off"}
        aria-describedby={helpId}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      <p class="hint" id={helpId}>
        {props.help}
      </p>
    </div>
  );
}

interface ChoiceProps {
  id: string;
  label: string;
  help: ComponentChildren;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  disabled?: boolean;
}

/** A labelled select with its explanation. */
export function Choice(props: ChoiceProps) {
  const helpId = `${props.id}-help`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        disabled={props.disabled ?? false}
        aria-describedby={helpId}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      <p class="hint" id={helpId}>
        {props.help}
      </p>
    </div>
  );
}

/** A labelled checkbox with its explanation. */
export function Check(props: {
  id: string;
  label: string;
  help: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const helpId = `${props.id}-help`;
  return (
    <div class="field field-check">
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        aria-describedby={helpId}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label for={props.id}>{props.label}</label>
      <p class="hint" id={helpId}>
        {props.help}
      </p>
    </div>
  );
}
