/** XGBoost's `kRtEps`: a split must reduce the loss by more than this. */
export const RT_EPS = 1e-6;

/** L1 soft-thresholding of a gradient sum (XGBoost's `ThresholdL1`). */
function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/** XGBoost's `CalcGain`: the (doubled) loss reduction score `T(G)² / (H + λ)` of a node. */
export function calcGain(g: number, h: number, lambda: number, alpha: number): number {
  if (h <= 0) return 0;
  const t = alpha === 0 ? g : thresholdL1(g, alpha);
  return (t * t) / (h + lambda);
}

/** XGBoost's `CalcWeight`: the optimal (unscaled) leaf weight `−T(G) / (H + λ)`, 0 below min_child_weight. */
export function calcWeight(
  g: number,
  h: number,
  lambda: number,
  alpha: number,
  minChildWeight: number,
): number {
  if (h < minChildWeight || h <= 0) return 0;
  const t = thresholdL1(g, alpha);
  return t === 0 ? 0 : -t / (h + lambda);
}

/**
 * XGBoost's split gain (`loss_chg`): `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` with L1 soft-thresholding.
 * This is twice the paper's `½[…]`; XGBoost records and prunes (`gamma`) on this quantity.
 */
export function splitGain(
  gl: number,
  hl: number,
  gr: number,
  hr: number,
  lambda: number,
  alpha: number,
): number {
  return (
    calcGain(gl, hl, lambda, alpha) +
    calcGain(gr, hr, lambda, alpha) -
    calcGain(gl + gr, hl + hr, lambda, alpha)
  );
}
