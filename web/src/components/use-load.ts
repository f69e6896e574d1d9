import {
  type Dispatch,
  type StateUpdater,
  useCallback,
  useEffect,
  useState,
} from "preact/hooks";
import { describeError } from "../api/api-error.ts";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Changes the loaded value in place (live updates, answers of actions). */
  setData: Dispatch<StateUpdater<T | undefined>>;
}

/** Loads once per change of `key`; a later answer never overwrites a newer. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);

  // `key` names what `load` reads, so it alone decides when to load again.
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(describeError(failure));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [key, round]);

  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data, error, loading, reload, setData };
}
