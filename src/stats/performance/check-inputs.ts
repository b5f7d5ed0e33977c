import { badParam } from '../drift/samples.js';

/** Checks that `p` holds probabilities in [0, 1]. */
export function checkProbabilities(p: ArrayLike<number>, name: string): void {
  if (p === null || typeof p !== 'object' || typeof p.length !== 'number') {
    badParam(name, 'must be an array of probabilities');
  }
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) badParam(`${name}[${i}]`, `must be a probability in [0, 1], got ${p[i]}`);
  }
}

/** Checks labels (0 or 1, 1 = poisonous) and probabilities of the same length. */
export function checkLabelsAndProbabilities(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  yName: string,
  pName: string,
): void {
  checkProbabilities(p, pName);
  if (y === null || typeof y !== 'object' || y.length !== p.length) {
    badParam(yName, `must have one label per probability (${p.length} probabilities, ${y?.length} labels)`);
  }
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) badParam(`${yName}[${i}]`, `must be 0 or 1 (1 = poisonous), got ${y[i]}`);
  }
}
