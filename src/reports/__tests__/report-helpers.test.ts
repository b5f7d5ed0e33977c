import { describe, expect, it } from 'vitest';
import { formatCount, formatNumber, formatPValue, formatShare } from '../format-figures.js';
import { escapeHtml, truncateLabel } from '../html-escape.js';
import { orderReasons, type VerdictReason } from '../index.js';
import { niceTicks } from '../svg-parts.js';

describe('escapeHtml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('replaces characters XML forbids and lone surrogates, keeps tab, newline and surrogate pairs', () => {
    expect(escapeHtml('\u0000a\u0008b\u000Bc\u007Fd\u0085e\uFFFEf\uFFFF')).toBe(
      '\uFFFDa\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFD',
    );
    expect(escapeHtml('x\uD800y\uDC00z\uD83D')).toBe('x\uFFFDy\uFFFDz\uFFFD');
    expect(escapeHtml('tab\tnl\ncr\r 🍄 é')).toBe('tab\tnl\ncr\r 🍄 é');
  });
});

describe('truncateLabel', () => {
  it('shortens by code points, never splitting a surrogate pair', () => {
    expect(truncateLabel('short', 18)).toBe('short');
    expect(truncateLabel('🍄🍄🍄🍄', 3)).toBe('🍄🍄…');
    expect(truncateLabel('abcdefghij', 5)).toBe('abcd…');
  });
});

describe('figures', () => {
  it('formats shares, numbers, p-values and counts the same on every machine', () => {
    expect(formatShare(0.12345)).toBe('12.3%');
    expect(formatShare(null)).toBe('—');
    expect(formatNumber(0.123456)).toBe('0.123');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatNumber(0.00001234)).toBe('1.23e-5');
    expect(formatPValue(0.00001)).toBe('< 0.0001');
    expect(formatPValue(0.04321)).toBe('0.0432');
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});

describe('niceTicks', () => {
  it('picks round steps inside the range, or covering it', () => {
    expect(niceTicks(0, 30, 6)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(0, 0.79, 4)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(niceTicks(0, 0.79, 4, true)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0.9, 1, 5, true)).toEqual([0.9, 0.92, 0.94, 0.96, 0.98, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('orderReasons', () => {
  it('puts poisonous recall and false edible first whatever their severity, then alert before warning', () => {
    const r = (kind: VerdictReason['kind'], severity: VerdictReason['severity']): VerdictReason => ({
      kind,
      severity,
      message: kind,
    });
    const ordered = orderReasons([
      r('dataset-drift', 'alert'),
      r('no-labels', 'ok'),
      r('poisonous-recall', 'warning'),
      r('novelty', 'warning'),
      r('false-edible', 'alert'),
    ]);
    expect(ordered.map((x) => x.kind)).toEqual([
      'false-edible',
      'poisonous-recall',
      'dataset-drift',
      'novelty',
      'no-labels',
    ]);
  });
});
