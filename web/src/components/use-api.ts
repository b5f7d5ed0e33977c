import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiGet, errorText } from '../api.js';
import { useLive } from '../live.js';

/** What {@link useApi} returns. */
export interface ApiState<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Live pages refresh at most this often, whatever the Overview's pace. */
const LIVE_REFRESH_MS = 1500;

/**
 * GETs `path` (null: nothing yet) and keeps the answer; with `live`, reads it again each time the live
 * Overview changes (at most every 1.5 s), keeping the last answer on screen meanwhile.
 */
export function useApi<T>(path: string | null, options: { live?: boolean } = {}): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [nonce, setNonce] = useState(0);
  const live = useLive();
  const lastLoad = useRef(0);
  const seq = options.live ? live.seq : 0;

  useEffect(() => {
    setData(null);
    setError(null);
  }, [path]);

  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    const load = () => {
      lastLoad.current = Date.now();
      setLoading(true);
      apiGet<T>(path).then(
        (d) => {
          if (cancelled) return;
          setData(d);
          setError(null);
          setLoading(false);
        },
        (e: unknown) => {
          if (cancelled) return;
          setError(errorText(e));
          setLoading(false);
        },
      );
    };
    const wait = lastLoad.current + LIVE_REFRESH_MS - Date.now();
    const timer = seq > 0 && wait > 0 ? setTimeout(load, wait) : null;
    if (timer === null) load();
    return () => {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [path, nonce, seq]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}
