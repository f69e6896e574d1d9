import { useRef, useState } from "preact/hooks";
import { describeError } from "../api/api-error.ts";
import type { ListPage } from "../api/client.ts";
import { type Loaded, useLoad } from "./use-load.ts";

interface Listed {
  id: number;
}

export interface PagedList<T> extends Loaded<ListPage<T>> {
  /** Appends the next older page; does nothing without one. */
  loadOlder: () => void;
  loadingOlder: boolean;
  /** Why the last older page failed, for the list shown now. */
  olderError: string | null;
}

/**
 * A newest-first list (by id) loaded a page at a time: the first page once
 * per change of `key` (which names the filters), older pages on request,
 * each appended without repeating an item already shown.
 */
export function usePagedList<T extends Listed>(
  loadPage: (page: number) => Promise<ListPage<T>>,
  key: string,
  pageSize: number,
): PagedList<T> {
  const list = useLoad(() => loadPage(1), key);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<{
    key: string;
    message: string;
  } | null>(null);
  // An older page that answers after the filters changed, or after the
  // list was loaded again, belongs to a list no longer shown.
  const generation = useRef({ key, round: 0 });
  if (generation.current.key !== key) generation.current = { key, round: 0 };
  // A ref, not the state: two presses before a render read one page.
  const inFlight = useRef(false);

  const loadOlder = () => {
    const shown = list.data;
    if (!shown || shown.nextPage === null || inFlight.current) return;
    const asked = generation.current;
    inFlight.current = true;
    setLoadingOlder(true);
    const settle = () => {
      inFlight.current = false;
      setLoadingOlder(false);
    };
    fetchOlder(shown, loadPage, pageSize).then(
      (older) => {
        settle();
        if (generation.current !== asked) return;
        setOlderError(null);
        list.setData((current) => appendOlder(current ?? shown, older));
      },
      (failure: unknown) => {
        settle();
        if (generation.current !== asked) return;
        setOlderError({ key, message: describeError(failure) });
      },
    );
  };

  const reload = () => {
    generation.current = { key, round: generation.current.round + 1 };
    list.reload();
  };

  return {
    ...list,
    reload,
    loadOlder,
    loadingOlder,
    olderError: olderError?.key === key ? olderError.message : null,
  };
}

/**
 * A page's worth of items older than the shown ones. Reading starts at
 * the page where the shown items end, which is `X-Next-Page` while the
 * list did not change; then the pages after it (by `X-Next-Page`) are
 * read until a page's worth of items not yet shown has come, or the
 * last. Starting from the count rather than a remembered page number
 * means that an item which left a live list (a run whose status no
 * longer matches) cannot make the next page skip one; items that arrived
 * on the server unseen only make the first page read repeat shown ones.
 */
async function fetchOlder<T extends Listed>(
  shown: ListPage<T>,
  loadPage: (page: number) => Promise<ListPage<T>>,
  pageSize: number,
): Promise<ListPage<T>> {
  const known = new Set(shown.items.map((item) => item.id));
  const fresh: T[] = [];
  let page: number | null = Math.floor(shown.items.length / pageSize) + 1;
  let last: ListPage<T> = shown;
  while (page !== null && fresh.length < pageSize) {
    last = await loadPage(page);
    fresh.push(...last.items.filter((item) => !known.has(item.id)));
    page = last.nextPage;
  }
  return { ...last, items: fresh };
}

/** `older`'s items after the shown ones, newest first, each once. */
function appendOlder<T extends Listed>(
  shown: ListPage<T>,
  older: ListPage<T>,
): ListPage<T> {
  const known = new Set(shown.items.map((item) => item.id));
  const items = [
    ...shown.items,
    ...older.items.filter((item) => !known.has(item.id)),
  ].sort((a, b) => b.id - a.id);
  return { items, total: older.total, nextPage: older.nextPage };
}
