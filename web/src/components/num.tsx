import type { ComponentChildren } from 'preact';

/**
 * A number linked to the API call that produced it: following the link shows the JSON it came from;
 * hovering (or focusing) names the call.
 */
export function Num({ src, children }: { src: string; children: ComponentChildren }) {
  return (
    <a class="num" href={src} title={`GET ${src}`} target="_blank" rel="noopener">
      {children}
    </a>
  );
}

/** The API call behind a section, shown under it. */
export function Source({ src, label = 'API' }: { src: string; label?: string }) {
  return (
    <p class="source">
      {label}:{' '}
      <a href={src} target="_blank" rel="noopener">
        <code>GET {src}</code>
      </a>
    </p>
  );
}
