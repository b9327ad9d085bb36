import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, UsageError } from '../errors.js';
import { OidcAuthenticator } from './oidc.js';
import type { ClusterTarget } from './types.js';

export interface KubeConfigOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --context */
  context?: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** Told of what went wrong without stopping the run (a refreshed token that could not be saved). */
  warn?: (message: string) => void;
}

export interface LoadedKubeConfig {
  config: KubeConfig;
  target: ClusterTarget;
}

/**
 * Finds the cluster the way kubectl does: --kubeconfig, else the KUBECONFIG list (merged, first
 * file wins), else ~/.kube/config, else the in-cluster service account. Errors name the file but
 * never echo its content, which holds credentials.
 */
export function loadKubeConfig(options: KubeConfigOptions): LoadedKubeConfig {
  const config = new KubeConfig();
  const files = options.kubeconfig
    ? [options.kubeconfig]
    : options.env.KUBECONFIG
      ? options.env.KUBECONFIG.split(delimiter).filter(Boolean)
      : [join(options.homeDir, '.kube', 'config')].filter((file) => existsSync(file));
  if (options.kubeconfig && !existsSync(options.kubeconfig)) {
    throw new ConfigError(`kubeconfig ${options.kubeconfig} does not exist`, {
      hint: 'pass the path of a kubeconfig file to --kubeconfig',
    });
  }
  const existing = files.filter((file) => existsSync(file));
  // Which file defines each user: kubectl writes refreshed oidc tokens back there.
  const userFiles = new Map<string, string>();
  if (existing.length > 0) {
    for (const [index, file] of existing.entries()) {
      const part = new KubeConfig();
      try {
        part.loadFromFile(file);
      } catch (error) {
        // js-yaml quotes the offending lines after the first line of its message: drop them, they may
        // hold a token.
        const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
        throw new ConfigError(`cannot read kubeconfig ${file}: ${first}`, { file });
      }
      if (index === 0) config.loadFromFile(file);
      else mergeFirstWins(config, part);
      for (const user of part.getUsers()) if (!userFiles.has(user.name)) userFiles.set(user.name, file);
    }
  } else if (options.env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
  } else {
    throw new ConfigError('no kubeconfig found and not running inside a cluster', {
      hint: 'pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config',
    });
  }
  useOwnOidc(config, new OidcAuthenticator({ userFiles, warn: options.warn }));
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new UsageError(`kubeconfig has no context "${options.context}"`, {
        hint: known.length > 0 ? `contexts: ${known.join(', ')}` : undefined,
      });
    }
    config.setCurrentContext(options.context);
  }
  const current = config.getCurrentContext() || '';
  const context = current ? config.getContextObject(current) : null;
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    const known = config.getContexts().map((c) => c.name);
    const contextHint =
      known.length > 0
        ? `pick one with --context (${known.join(', ')})`
        : 'the kubeconfig defines no context';
    throw new ConfigError(
      current
        ? `kubeconfig context "${current}" names no cluster`
        : 'the kubeconfig has no current-context, so it names no cluster',
      { hint: contextHint },
    );
  }
  return {
    config,
    target: {
      context: current,
      server: cluster.server,
      namespace: context?.namespace ?? 'default',
    },
  };
}

/**
 * Puts mlready's oidc auth provider ahead of client-node's (see oidc.ts for why). client-node asks
 * its built-in authenticators in order and takes the first that claims the user; the list is
 * internal to KubeConfig, so a client-node version without it keeps its own.
 */
function useOwnOidc(config: KubeConfig, oidc: OidcAuthenticator): void {
  const target = config as unknown as { authenticators?: unknown[] };
  if (Array.isArray(target.authenticators)) target.authenticators.unshift(oidc);
}

/** kubectl's KUBECONFIG merge: the first file to name a cluster, user or context wins. */
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  for (const cluster of from.getClusters()) if (!into.getCluster(cluster.name)) into.addCluster(cluster);
  for (const user of from.getUsers()) if (!into.getUser(user.name)) into.addUser(user);
  for (const context of from.getContexts())
    if (!into.getContextObject(context.name)) into.addContext(context);
  if (!into.getCurrentContext() && from.getCurrentContext()) into.setCurrentContext(from.getCurrentContext());
}
