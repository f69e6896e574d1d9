import type { ComponentChildren } from "preact";

/**
 * The only way a URL taken from data becomes a link: http and https only.
 * Preact writes any href it is given, `javascript:` included, so anything
 * else is shown as plain text.
 */
export function SafeLink(props: {
  href: string | null | undefined;
  children?: ComponentChildren;
}) {
  const label = props.children ?? props.href ?? "";
  if (!props.href || !isWebUrl(props.href)) return <span>{label}</span>;
  return (
    <a href={props.href} rel="noopener noreferrer" target="_blank">
      {label}
    </a>
  );
}

export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
