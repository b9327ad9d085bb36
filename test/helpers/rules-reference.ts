/**
 * The rules' check functions as they were on main (f023c8c) before they were shaped for speed: the
 * files in rules-reference/ are main's rule files (and check/image.ts) unchanged but for their import
 * paths. test/rules-fast-paths.test.ts runs each rule and its reference on every fixture and on
 * adversarial input, and fails where their findings differ.
 */
import type { Rule } from '../../src/rules/rule.js';
import immutableModelConfig from './rules-reference/immutable-model-config.js';
import noCodeExecutionRisk from './rules-reference/no-code-execution-risk.js';
import noFloatingImageTag from './rules-reference/no-floating-image-tag.js';
import noLiteralSecrets from './rules-reference/no-literal-secrets.js';
import noSecretReuseAcrossEnvs from './rules-reference/no-secret-reuse-across-envs.js';
import noUnrenderedPlaceholder from './rules-reference/no-unrendered-placeholder.js';
import payloadLoggingOverHttps from './rules-reference/payload-logging-over-https.js';
import prometheusRuleShape from './rules-reference/prometheus-rule-shape.js';
import requireEndpointAuth from './rules-reference/require-endpoint-auth.js';
import requireCpuMemoryLimits from './rules-reference/require-cpu-memory-limits.js';
import validTrafficSplit from './rules-reference/valid-traffic-split.js';

/** Rule id → the rule as it was. */
export const REFERENCE_RULES: Readonly<Record<string, Rule>> = Object.fromEntries(
  [
    immutableModelConfig,
    noCodeExecutionRisk,
    noFloatingImageTag,
    noLiteralSecrets,
    noSecretReuseAcrossEnvs,
    noUnrenderedPlaceholder,
    payloadLoggingOverHttps,
    prometheusRuleShape,
    requireEndpointAuth,
    requireCpuMemoryLimits,
    validTrafficSplit,
  ].map((rule) => [rule.id, rule]),
);
