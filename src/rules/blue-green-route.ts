import { asArray, asRecord, asString, getPath } from '../check/objects.js';
import { selects } from '../workloads/selectors.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'blue-green-route',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'rollout',
  // Only blue-green services are judged, and no kind says that: the rule counts toward the rollout
  // score when it reports, never as a pass for the services it does not apply to.
  kinds: [],
  docs: {
    summary:
      'A blue-green release (rollout.strategy: blue-green) has an Istio VirtualService or Gateway API HTTPRoute in front of its Service, so green can be analysed on mirrored live traffic before the switch.',
    why:
      'Blue-green promises that the new version passes analysis before any traffic moves. Green has no traffic of ' +
      'its own: only a route can mirror live requests to it (Istio mirror, Gateway API RequestMirror) while blue ' +
      'still answers them. When only a Service selector can switch, no live request reaches green before the ' +
      'switch, so mlready deploy judges latency, errors and predictions only after it, in the warm window, with ' +
      "the reverse switch as the only protection: every user sees green's answers until the analysis catches a " +
      'bad version. A route that exists only in the cluster is found and used too, so this is a warning from ' +
      'the files alone.',
    fix: 'Put an Istio VirtualService (or a Gateway API HTTPRoute) that sends to the Service in the release; mlready mirrors traffic to <service>-green before the switch (rollout.blueGreen.preSwitchWindow, mirrorPercent) and switches with its weights.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    if (manifest?.manifest.spec.rollout?.strategy !== 'blue-green' || service.workloads.length === 0) return;
    // The Services in front of the model's pods, and whether a route in these files sends to one.
    const names = service
      .ofKind('Service')
      .filter((s) => {
        const selector = getPath(s.raw, ['spec', 'selector']);
        return (
          selector !== undefined &&
          service.workloads.some((w) => w.templates.some((t) => selects(selector, t.labels)))
        );
      })
      .map((s) => s.name);
    const routed = (target: string | undefined) =>
      target !== undefined && names.includes(target.split('.')[0]!);
    const viaVirtualService = service
      .ofKind('VirtualService')
      .some((vs) =>
        asArray(getPath(vs.raw, ['spec', 'http'])).some((r) =>
          asArray(asRecord(r).route).some((d) => routed(asString(asRecord(asRecord(d).destination).host))),
        ),
      );
    const viaHttpRoute = service
      .ofKind('HTTPRoute')
      .some((route) =>
        asArray(getPath(route.raw, ['spec', 'rules'])).some((r) =>
          asArray(asRecord(r).backendRefs).some((b) => routed(asString(asRecord(b).name))),
        ),
      );
    if (viaVirtualService || viaHttpRoute) return;
    const front = names.length > 0 ? names.map((n) => `Service/${n}`).join(', ') : "the model's Service";
    report({
      object: manifest,
      path: ['spec', 'rollout', 'strategy'],
      message: `rollout.strategy is blue-green, but no Istio VirtualService or Gateway API HTTPRoute in these files routes to ${front}: green cannot get mirrored live traffic before the switch, so it is judged only after the switch, in the warm window, with the reverse switch as the protection`,
    });
  },
});
