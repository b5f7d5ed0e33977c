import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** While a page's data loads. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An error in words, announced to screen readers. */
export function ErrorBox({ children }: { children: ComponentChildren }) {
  return (
    <div class="error-box" role="alert">
      {children}
    </div>
  );
}

/** A state in words with its colour (never colour alone). */
export function Badge({
  tone,
  children,
}: {
  tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A wide table in a region that scrolls sideways on narrow screens (and can be reached by keyboard). */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/**
 * Marks a page as loaded and interactive, what the browser tests and the benchmark wait for: an element
 * `data-ready`, and the performance mark `sporeprint:ready` when the page's data is in the document.
 */
export function Ready({ page }: { page: string }) {
  useEffect(() => {
    performance.mark('sporeprint:ready', { detail: page });
  }, [page]);
  return <span hidden data-ready={page} />;
}

/** A table's column headers. */
export function Head({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
