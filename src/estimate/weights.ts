import { asArray, asRecord, asString, isRecord } from '../check/objects.js';
import type { ContainerRef } from '../workloads/model.js';
import { envValue } from './model-flags.js';

/** Where a model's weights come from when its pod starts. */
export interface WeightsOrigin {
  /** Downloaded on every start: "Hugging Face", "S3", "GCS", "an OCI registry". Undefined: local. */
  readonly network: string | undefined;
  /** Why nothing is downloaded: "on PersistentVolumeClaim models", "baked into the image". */
  readonly local: string | undefined;
}

const SCHEMES: [RegExp, string][] = [
  [/^hf:\/\//, 'Hugging Face'],
  [/^s3:\/\//, 'S3'],
  [/^gs:\/\//, 'GCS'],
  [/^tos:\/\//, 'TOS'],
  [/^(azure|abfss?|wasbs?):\/\/|\.blob\.core\.windows\.net/, 'Azure Blob Storage'],
  [/^oci:\/\//, 'an OCI registry'],
  [/^https?:\/\//, 'HTTP'],
];

/** Hugging Face caches that survive a restart when a PersistentVolumeClaim holds them. */
const HF_CACHE_DIRS = ['/root/.cache/huggingface', '/root/.cache', '/data', '/models'];

/**
 * Where the weights a reference names come from. A Hugging Face id is downloaded unless the hub is
 * offline or its cache sits on a PersistentVolumeClaim; a path is local (a volume or the image).
 */
export function weightsOrigin(reference: string, ref: ContainerRef | undefined): WeightsOrigin {
  if (/^pvc:\/\//.test(reference))
    return { network: undefined, local: `on PersistentVolumeClaim ${reference.slice(6).split('/')[0]}` };
  for (const [pattern, name] of SCHEMES)
    if (pattern.test(reference)) return { network: name, local: undefined };
  if (reference.startsWith('/') || reference.startsWith('.')) {
    const volume = ref ? volumeAt(ref, reference) : undefined;
    return { network: undefined, local: volume ?? 'at a local path (baked into the image or on a volume)' };
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(reference)) {
    if (ref && /^(1|true)$/i.test(envValue(ref, 'HF_HUB_OFFLINE') ?? ''))
      return { network: undefined, local: 'HF_HUB_OFFLINE=1: read from the local cache' };
    const cacheDir = (ref && (envValue(ref, 'HF_HOME') ?? envValue(ref, 'HF_HUB_CACHE'))) ?? undefined;
    const cache = ref ? volumeAt(ref, cacheDir ?? '', cacheDir ? [cacheDir] : HF_CACHE_DIRS) : undefined;
    if (cache?.startsWith('on PersistentVolumeClaim'))
      return { network: undefined, local: `Hugging Face cache ${cache}` };
    return { network: 'Hugging Face', local: undefined };
  }
  return { network: undefined, local: 'a model name resolved by the server' };
}

/**
 * The volume mounted at or above a path ("on PersistentVolumeClaim models"), or, with `dirs`, one
 * mounted at any of those directories.
 */
function volumeAt(ref: ContainerRef, path: string, dirs?: readonly string[]): string | undefined {
  const mounts = asArray(ref.container.volumeMounts).map(asRecord);
  const mount = mounts.find((m) => {
    const at = asString(m.mountPath);
    if (!at) return false;
    if (dirs) return dirs.includes(at.replace(/\/+$/, ''));
    return path === at || path.startsWith(`${at.replace(/\/+$/, '')}/`);
  });
  if (!mount) return undefined;
  const volume = asArray(ref.template.spec.volumes)
    .map(asRecord)
    .find((v) => v.name === mount.name);
  if (!volume) return undefined;
  if (isRecord(volume.persistentVolumeClaim))
    return `on PersistentVolumeClaim ${asString(volume.persistentVolumeClaim.claimName) ?? ''}`.trim();
  if (isRecord(volume.hostPath)) return 'on a hostPath volume';
  if (isRecord(volume.emptyDir)) return 'on an emptyDir filled before the server starts';
  if (isRecord(volume.image)) return 'in an image volume';
  return 'on a volume';
}
