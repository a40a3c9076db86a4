// Prose of /openapi.json for the controller gates (issue 10).

export const ARGO_GATE_DESCRIPTION = `For Argo Rollouts' web provider (method POST, jsonBody). The first poll for a rollout+revision
creates the analysis (observe mode, following the controller's weight); every later poll, from any principal, answers the same
analysis: idempotent on rollout+revision (422 idempotency-key-reused, field revision, when the same revision comes with another
template, args or target). Always 200 with the verdict: read \`verdict\` with successCondition \`result.verdict == "promote"\` and
failureCondition \`result.verdict == "abort"\`; hold and continue are neither, so Argo counts them Inconclusive (see the README for
count, consecutiveSuccessLimit and inconclusiveLimit that neither pause nor fail on them).
\`weight\` (body, or the query parameter) is the Rollout's canary weight now: canaryd's step is the step of that weight, and a
promote stays (sticky) until the controller reports the next weight. \`forStep\`/\`forWeight\` say which step the verdict is for.
Scope: analyses:create (a poll may create the analysis).`;

export const OBSERVED_WEIGHT_DESCRIPTION = `The controller's canary weight, for an analysis in observe mode (409 not-observe-mode in drive mode).
canaryd's step becomes the step of that weight (the last step whose weight is at most it); moving to another step starts it afresh
(its minDuration clock, its error counts) and ends a sticky promote. From the first report on, the analysis follows the controller:
a promote stays until the controller moves to the next weight. Scope: analyses:create.`;

export const FLAGGER_GATE_DESCRIPTION = `Flagger's webhooks, with Flagger's payload as is ({name, namespace, phase, checksum, metadata}).
The analysis is the one of name+namespace+checksum; pre-rollout and rollout create it (observe mode) from metadata: template and
environment (required, else 400 naming metadata.template or metadata.environment), service (default: name), version (default:
checksum), args.NAME for template arguments. Flagger reads any status above 202 as an error, so:
- confirm-rollout: 200 unless the analysis of this revision says abort (no analysis yet: 200).
- pre-rollout, rollout: 200 unless abort (412 counts a failed check in Flagger).
- confirm-traffic-increase: 200 for the first traffic (to the first step's weight) and when canaryd's verdict is promote for the
  current step; canaryd then follows to the next step's weight. Otherwise 412 (Flagger waits).
- confirm-promotion: 200 once the analysis succeeded (promote on its last step); otherwise 412.
- rollback: 200 = roll back now, only when canaryd says abort; otherwise 412 (no rollback). A 400 or 404 is never a rollback.
- post-rollout, event: 200.
An unknown type is 404 unknown-gate. Scope: analyses:create.`;
