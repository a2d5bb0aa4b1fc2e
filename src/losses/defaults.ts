/**
 * pytorch-metric-learning 2.8's defaults for the label-based losses, in one place: the losses
 * and their `explain` companions read them from here, so the two can never disagree.
 * (PML: losses/triplet_margin_loss.py, contrastive_loss.py, ntxent_loss.py, supcon_loss.py,
 * multi_similarities_loss.py, circle_loss.py.)
 */
export const PML_DEFAULTS = {
  triplet: { margin: 0.05 },
  contrastive: { posMargin: 0, negMargin: 1 },
  ntXent: { temperature: 0.07 },
  supCon: { temperature: 0.1 },
  multiSimilarity: { alpha: 2, beta: 50, base: 0.5 },
  circle: { m: 0.4, gamma: 80 },
} as const;
