/** Hash routes (`#/models/sporeprint-secondary`): the server serves one page at `/`. */
import { useEffect, useState } from 'preact/hooks';

/** The current route: its path parts after `#/`, decoded. */
export interface Route {
  readonly parts: readonly string[];
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const parts = hash === '' ? [] : hash.split('/').map((p) => decodeURIComponent(p));
  return { parts };
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The href of a route. */
export const href = (...parts: readonly (string | number)[]): string =>
  `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
