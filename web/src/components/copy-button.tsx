import { useState } from "preact/hooks";

/** Copies `value` to the clipboard and says so. */
export function CopyButton(props: { value: string; label: string }) {
  const [copied, setCopied] = useState<string | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied("Copied.");
    } catch {
      setCopied("Copying was refused by the browser; select the text.");
    }
  };

  return (
    <span>
      <button type="button" onClick={copy}>
        Copy {props.label}
      </button>
      <span class="hint" aria-live="polite">
        {copied}
      </span>
    </span>
  );
}
