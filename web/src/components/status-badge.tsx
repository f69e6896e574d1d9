/** A status or outcome word, coloured by class; the word carries meaning. */
export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}
