import { TOOLING_IMAGE_PLACEHOLDER } from '../manifest/types.js';

/** An OCI image reference split into its parts; the registry stays inside `repository`. */
export interface ImageRef {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash is a tag; one before it belongs to a registry port.
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, tag, digest };
}

/**
 * Tags that name a moving target rather than a release. Rolling back to a Deployment revision
 * that says "latest" redeploys whatever "latest" is today.
 */
export const FLOATING_TAGS = new Set([
  'latest',
  'main',
  'master',
  'stable',
  'dev',
  'develop',
  'development',
  'edge',
  'nightly',
  'head',
  'trunk',
  'release',
  'lts',
  'current',
  'canary',
  'test',
  'staging',
  'prod',
  'production',
]);

/** Why an image reference floats, or undefined when it is pinned (a version tag or a digest). */
export function floatingReason(image: string): string | undefined {
  if (image === TOOLING_IMAGE_PLACEHOLDER)
    return "is the placeholder for mlready's own image: set spec.tooling.image in mlready.yaml to a pinned mlready image and scaffold again";
  // parseImage's tag and digest, read in place: asked for every container of a run, and only the
  // tag is needed (no ImageRef, no repository string).
  let rest = image.trim();
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (at < rest.length - 1) return undefined; // pinned by a digest
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : '';
  if (tag === '') return 'has no tag, so it means "latest"';
  // Most tags are versions (1.0.3, 2.9.0+cu121): no word, so neither a floating tag nor a variant,
  // answered without a lower-cased copy.
  if (VERSION_ONLY.test(tag)) return undefined;
  if (FLOATING_TAGS.has(tag.toLowerCase())) return `uses the floating tag "${tag}"`;
  if (isFloatingVariant(tag)) return `uses the floating tag "${tag}"`;
  return undefined;
}

/** Words that keep a tag moving when they are part of it: latest-gpu, cpu-latest, nightly-2.5, main-cuda. */
const FLOATING_WORDS = new Set(['latest', 'nightly', 'main', 'master', 'edge', 'stable', 'head', 'trunk']);

const TAG_SEPARATORS = /[-_.+]/;
const VERSION_ONLY = /^[0-9._+-]*$/;

/**
 * A tag built on a floating word (`latest-gpu`, `latest-cpu`, `2.5-latest`, `nightly`, `main-cu121`),
 * or `dev` without a version in it. Floating by pattern, not a list of whole tags.
 */
export function isFloatingVariant(tag: string): boolean {
  // Digits and separators only (1.0.3, 2.9.0+cu121 aside): no word at all, so nothing to split.
  if (VERSION_ONLY.test(tag)) return false;
  const words = tag.toLowerCase().split(TAG_SEPARATORS);
  if (words.some((w) => FLOATING_WORDS.has(w))) return true;
  return words.includes('dev') && !/\d/.test(tag);
}

const WHITESPACE = /\s/;
const STRAY_END = /[:@]$/;
/** Matches every image invalidImageReason has a reason for: empty, whitespace, "::", a stray end. */
const MAYBE_INVALID = /^$|\s|::|[:@]$/;

/**
 * Why a string cannot be an image reference at all (the pull fails), or undefined. Catches the
 * slips templating leaves: a repository ending in ":" joined to a tag, spaces, a dangling "@".
 */
export function invalidImageReason(image: string): string | undefined {
  // One test rules out every reason below (asked for every container of a run, and almost every
  // image is valid): without whitespace, "::" or a stray end, the image is its own trimmed form.
  if (!MAYBE_INVALID.test(image)) return undefined;
  const trimmed = image.trim();
  if (trimmed === '') return 'is empty';
  if (WHITESPACE.test(trimmed)) return 'contains whitespace';
  if (image.includes('::') || STRAY_END.test(image))
    return 'is not a valid image reference (a stray ":" or "@")';
  return undefined;
}
