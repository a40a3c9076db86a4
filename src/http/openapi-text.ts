// Prose of /openapi.json: what a deployment-controller author needs to integrate without reading
// canaryd's source.

export const API_DESCRIPTION = `canaryd judges canary deployments: it compares baseline and canary metrics from Prometheus
against an analysis template's rules, decides promote / hold / abort per traffic step, and records which rule fired and why.

Two ways to integrate:
- observe mode: your controller owns the traffic steps. Create an analysis with mode "observe", then poll
  GET /v1/analyses/{id}/verdict and act on \`verdict\`: promote → advance, abort → roll back, hold or continue → wait.
- drive mode: canaryd owns the steps. Create an analysis with mode "drive" and the name of a deployment adapter from the
  daemon config; canaryd then POSTs to the adapter (see the AdapterWebhookRequest schema) to set each weight, complete,
  pause, resume and roll back.

Errors: every 4xx and 5xx body is {"error": {"code", "message", "field"?}} with a stable \`code\`. \`field\` names the first
input at fault: a dotted path inside the JSON body (adapter, target.service, args.namespace), or query.NAME / params.NAME.
Request bodies are JSON (Content-Type: application/json); unknown fields are refused, so a typo never falls back to a default.

Authentication (when the daemon config has auth.tokens): every /v1 request carries Authorization: Bearer <token> (security
scheme bearerAuth). Scopes: read (every GET under /v1), analyses:create, actions, approve, admin (freezes). 401
unauthenticated without a known token, 403 forbidden for a missing scope or environment. /healthz, /readyz and /metrics
stay open. The Host header must be one of server.allowedHosts (else 421 misdirected-request).

Policies decide every adapter and manual action before it happens (events policy-decision in the trail). DENY pauses the
analysis (rule policy-denied) or refuses a manual action (403 policy-denied); REQUIRE_APPROVAL puts it in phase
awaiting-approval (verdict hold) until an approver decides the request at POST /v1/approvals/{id}. A freeze
(POST /v1/freezes) holds every set-weight and complete it covers (rule freeze); rollbacks still happen.`;

export const LIST_DESCRIPTION = `One page of analyses, oldest first, as summaries: where each stands and its last verdict's action,
rule and reason, without the evidence (GET /v1/analyses/{id} has every condition, value and query). At most \`limit\` (default
100, at most 1000) per page; \`nextCursor\` is the \`cursor\` of the next page and null on the last one. Filters (all given must
match): \`phase\`, \`template\`, \`service\`, \`environment\`, \`version\` (the target's).`;

export const CREATE_DESCRIPTION = `Creates and starts an analysis of \`template\` for \`target\` with \`args\`.
The template is pinned: the analysis keeps the template it was created with (templateHash). With an Idempotency-Key
header, the same key (per principal) answers the analysis already created with it (422 idempotency-key-reused for a
different body). A freeze answers 409 frozen; a DENY policy 403 policy-denied; REQUIRE_APPROVAL creates it in phase
awaiting-approval.

Refused with 400 invalid-request when the body does not validate (drive mode without \`adapter\`, an unknown field, an
empty target field...), and with 422 when it is well-formed but cannot run: unknown-template, unknown-adapter,
missing-argument (a template argument without a default is not given), invalid-mode.

In drive mode canaryd calls the adapter: for a webhook adapter it POSTs an AdapterWebhookRequest
{analysisId, action, weight, step, target, rule, evidenceHash, idempotencyKey, at} with action set-weight (at start and
after each promote), complete (promote from the last step), rollback (abort), pause or resume. Headers:
Content-Type: application/json, Idempotency-Key: <idempotencyKey>, and with a secret
Canaryd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. Verify the signature over the raw body
and reject stale timestamps. Answer 2xx for success; anything else is retried with backoff, always with the same
idempotency key (deduplicate on it). When the retries run out the analysis pauses with rule adapter-failed.`;

export const VERDICT_DESCRIPTION = `The small answer a deployment controller polls. Always 200 for a known analysis, in every
phase (404 only for an unknown id), because pollers such as Argo Rollouts' web metric provider treat any non-2xx answer as
a measurement error.

\`verdict\`: promote (advance; a succeeded analysis keeps answering promote), abort (roll back; an aborted one keeps
answering abort), hold (a hold rule fired: do not advance), continue (nothing decided yet: keep waiting). \`rule\` and
\`reason\` say which rule decided and on what values; \`evidenceHash\` identifies the full evidence in the event trail.

Argo Rollouts (AnalysisTemplate metric):
  provider: { web: { url: "http://canaryd:8080/v1/analyses/{{args.analysis-id}}/verdict", jsonPath: "{$}" } }
  successCondition: result.verdict == "promote"
  failureCondition: result.verdict == "abort"
hold and continue match neither condition (Argo counts them Inconclusive; allow enough with inconclusiveLimit, or poll
with count/interval until a condition holds).`;

export const ACTIONS_DESCRIPTION = `An operator's action, recorded in the event trail with rule id \`manual\`, the actor and
the reason. pause: from running. resume: from paused. abort: from pending, running or paused (rolls back in drive mode).
promote: from running or paused, advances one step now (completes from the last step). Answers the analysis after the
action; 409 invalid-transition when the phase does not allow it (e.g. resume of a running analysis, anything on a
finished one). With auth the actor is the authenticated principal (the body's actor is not trusted); the principal needs
scope actions and, if it lists environments, the analysis' environment (else 403 forbidden). Policies decide the action
(manual-pause, manual-resume, manual-abort, manual-promote): 403 policy-denied, 409 frozen while a freeze covers a
promote. While awaiting approval, pause and abort still work; promote and resume answer 409 (decide the approval). A
resume after adapter-failed first re-sends the call that failed, with its idempotency key.`;

export const EVENTS_DESCRIPTION = `The append-only, hash-chained trail of the analysis, oldest first. Each event's prevHash
is the previous event's hash (64 zeros for the first), and hash = sha256 hex of prevHash followed by the canonical JSON of
{analysisId, seq, type, at, payload} (object keys sorted recursively, no whitespace, non-finite numbers as null).
Recomputing the chain shows whether any event was changed, removed or reordered.`;
