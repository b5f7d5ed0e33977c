import { createHash } from 'node:crypto';
import type { AlertLabels } from '../../../storage/index.js';

/**
 * An alert's identity: 16 hex digits of the SHA-256 of its labels sorted by name (Prometheus
 * fingerprints its label set the same way, with a different hash).
 */
export function fingerprintOf(labels: AlertLabels): string {
  const h = createHash('sha256');
  for (const name of Object.keys(labels).sort()) h.update(`${name}\u00ff${labels[name]}\u00ff`);
  return h.digest('hex').slice(0, 16);
}

/** `{{ $value }}` and `{{ $labels.<name> }}` in `template` filled in (a small part of Prometheus templating). */
export function expandTemplate(template: string, labels: AlertLabels, value: number | null): string {
  return template
    .replace(/\{\{\s*\$value\s*\}\}/g, value === null ? '' : formatValue(value))
    .replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}

/** A value as a short text: integers as they are, others with up to 4 significant digits. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** The labels all of `sets` share with the same value (Alertmanager's `commonLabels`). */
export function commonLabels(sets: readonly AlertLabels[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const s of sets.slice(1)) {
    for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  }
  return out;
}
