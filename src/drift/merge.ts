import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { cumulativeAt, cumulativeCounts, selectKnots, type Ecdf } from './ecdf.js';
import {
  DISCRETE_MAX,
  type CategoricalProfile,
  type DriftProfile,
  type FeatureProfile,
  type NumericProfile,
} from './profile.js';

/**
 * Merges profiles of shards of one dataset into the profile of the whole (docs/drift.md, "Profiles of
 * a billion rows"). Counts, categories and moments add up exactly. The knots of the whole come from
 * the union of the shards' knots: at a shard's own knot its count is exact; elsewhere it lies inside
 * one of its gaps, and the merge takes the middle of that gap, so each shard adds at most half a gap
 * (< n_s / 2K) of error and the whole at most N / 2K, plus the shards' own errors and rounding. The
 * merged profile records the largest error it could have (`rankError`); the KS bounds use it.
 */
export function mergeProfiles(profiles: readonly { profile: DriftProfile; file: string }[]): DriftProfile {
  if (profiles.length === 0) throw new InputError('drift merge needs at least one profile');
  const first = profiles[0]!;
  for (const { profile, file } of profiles.slice(1)) {
    const differs = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new InputError(
          `${file} differs from ${first.file} in ${what}: profiles of one dataset must agree`,
          {
            hint: 'make every shard profile with the same mlready version, --features, --prediction and --bins',
          },
        );
    };
    differs('its features', Object.keys(profile.features), Object.keys(first.profile.features));
    differs('its model', profile.model, first.profile.model);
    differs('--bins', profile.bins, first.profile.bins);
    differs('its knots per feature', profile.fineBins, first.profile.fineBins);
    differs('--prediction', profile.prediction, first.profile.prediction);
  }
  const features: Record<string, FeatureProfile> = {};
  for (const name of Object.keys(first.profile.features)) {
    const parts = profiles.map(({ profile, file }) => ({ feature: profile.features[name]!, file }));
    const types = new Set(parts.map((p) => p.feature.type));
    if (types.size > 1) {
      const numeric = parts.find((p) => p.feature.type === 'numeric')!.file;
      const categorical = parts.find((p) => p.feature.type === 'categorical')!.file;
      throw new InputError(
        `feature ${name} is numeric in ${numeric} but categorical in ${categorical}: the shards disagree on its type`,
        {
          hint: 'clean the column (text in a numeric column) or profile the shards with --features excluding it',
        },
      );
    }
    features[name] =
      first.profile.features[name]!.type === 'numeric'
        ? mergeNumeric(
            parts.map((p) => p.feature as NumericProfile),
            first.profile.fineBins,
            first.profile.bins,
          )
        : mergeCategorical(
            parts.map((p) => p.feature as CategoricalProfile),
            Math.max(...profiles.map((p) => p.profile.maxCategories)),
          );
  }
  const shards = profiles.flatMap(({ profile }) => profile.source.shards ?? [profile.source]);
  return {
    kind: 'DriftProfile',
    formatVersion: 2,
    model: first.profile.model,
    source: {
      file: `${shards.length} shards`,
      rows: shards.reduce((n, s) => n + s.rows, 0),
      sha256: createHash('sha256')
        .update(shards.map((s) => s.sha256).join('\n'))
        .digest('hex'),
      shards,
    },
    bins: first.profile.bins,
    fineBins: first.profile.fineBins,
    maxCategories: Math.max(...profiles.map((p) => p.profile.maxCategories)),
    prediction: first.profile.prediction,
    features,
  };
}

function mergeNumeric(parts: readonly NumericProfile[], fine: number, bins: number): NumericProfile {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const mean = count === 0 ? 0 : parts.reduce((s, p) => s + p.count * p.mean, 0) / count;
  // Chan et al.'s parallel variance: M2 = Σ (M2_s + n_s (mean_s − mean)²).
  const m2 = parts.reduce((s, p) => s + p.count * p.variance + p.count * (p.mean - mean) ** 2, 0);
  const values = [...new Set(parts.flatMap((p) => p.knots))].sort((a, b) => a - b);
  const ecdfs: Ecdf[] = parts.map((p) => ({ knots: p.knots, atoms: p.atoms, gaps: p.gaps }));
  const prefixes = ecdfs.map(cumulativeCounts);
  const atMost: number[] = [];
  const below: number[] = [];
  let error = 0;
  let previous = 0;
  for (const x of values) {
    let upper = 0;
    let lower = 0;
    let width = 0;
    ecdfs.forEach((ecdf, s) => {
      const at = cumulativeAt(ecdf, x, prefixes[s]);
      upper += (at.atMost[0] + at.atMost[1]) / 2;
      lower += (at.below[0] + at.below[1]) / 2;
      width += (at.atMost[1] - at.atMost[0]) / 2 + parts[s]!.rankError * parts[s]!.count;
    });
    // Whole rows, never decreasing: rounding adds at most half a row.
    const l = Math.max(Math.round(lower), previous);
    const u = Math.max(Math.round(upper), l);
    below.push(l);
    atMost.push(u);
    previous = u;
    error = Math.max(error, width + 0.5);
  }
  const discrete = values.length <= DISCRETE_MAX && parts.every((p) => p.discrete);
  const { ecdf, psiEdges } = selectKnots(values, atMost, below, { fine, bins, all: discrete });
  return {
    type: 'numeric',
    discrete,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    missing: parts.reduce((n, p) => n + p.missing, 0),
    nonFinite: parts.reduce((n, p) => n + p.nonFinite, 0),
    invalid: parts.reduce((n, p) => n + p.invalid, 0),
    count,
    min: Math.min(...parts.filter((p) => p.count > 0).map((p) => p.min)),
    max: Math.max(...parts.filter((p) => p.count > 0).map((p) => p.max)),
    mean,
    variance: count === 0 ? 0 : m2 / count,
    ...ecdf,
    psiEdges,
    rankError: count === 0 || error <= 0.5 ? 0 : error / count,
  };
}

/**
 * Categories add up exactly while no shard hit its cap; a category kept by one shard but folded into
 * another's "(other)" is undercounted by that shard's share of it (reported in the notes of drift).
 */
function mergeCategorical(parts: readonly CategoricalProfile[], maxCategories: number): CategoricalProfile {
  const totals = new Map<string, number>();
  for (const p of parts)
    for (const [k, v] of Object.entries(p.categories)) totals.set(k, (totals.get(k) ?? 0) + v);
  const ranked = [...totals].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const kept = ranked.slice(0, maxCategories);
  const dropped = ranked.slice(maxCategories);
  return {
    type: 'categorical',
    rows: parts.reduce((n, p) => n + p.rows, 0),
    missing: parts.reduce((n, p) => n + p.missing, 0),
    count: parts.reduce((n, p) => n + p.count, 0),
    categories: Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    other: parts.reduce((n, p) => n + p.other, 0) + dropped.reduce((n, [, v]) => n + v, 0),
    otherDistinct: parts.reduce((n, p) => n + p.otherDistinct, 0) + dropped.length,
  };
}
