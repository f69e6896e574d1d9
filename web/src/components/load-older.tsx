import { ErrorMessage } from "./error-message.tsx";
import type { PagedList } from "./use-paged-list.ts";

/**
 * Under a paged list: how many of the matching items are shown, and a
 * button that appends the next older page while there is one.
 */
export function LoadOlder(props: {
  list: Pick<
    PagedList<unknown>,
    "data" | "loadOlder" | "loadingOlder" | "olderError"
  >;
  /** What the list holds, plural: "runs". */
  noun: string;
}) {
  const { list, noun } = props;
  const page = list.data;
  if (!page || page.items.length === 0) return null;
  return (
    <div class="paging">
      <p class="hint" aria-live="polite">
        Showing {page.items.length} of {Math.max(page.total, page.items.length)}
      </p>
      {page.nextPage !== null && (
        // Not disabled while loading: a disabled button would drop the
        // keyboard focus; a second press while loading does nothing.
        <button
          type="button"
          aria-busy={list.loadingOlder}
          onClick={list.loadOlder}
        >
          Load older {noun}
        </button>
      )}
      <ErrorMessage error={list.olderError} />
    </div>
  );
}
