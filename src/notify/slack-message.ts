// The Slack incoming-webhook message of a notification: `text` (the fallback shown in
// notifications) and Block Kit blocks with the analysis, verdict, rule, reason and a link.
// Pure. Slack reads `&`, `<` and `>` as markup in mrkdwn, so every value is escaped.

import type { Notification } from './notification.js';

/** Slack's own escaping for mrkdwn text (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SECTION_TEXT_LIMIT = 2_900;

function clip(value: string): string {
  return value.length > SECTION_TEXT_LIMIT ? `${value.slice(0, SECTION_TEXT_LIMIT)}…` : value;
}

const EMOJI: Record<string, string> = {
  abort: ':red_circle:',
  fail: ':red_circle:',
  complete: ':white_check_mark:',
  promote: ':arrow_up:',
  pause: ':double_vertical_bar:',
  resume: ':arrow_forward:',
  freeze: ':snowflake:',
};

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export function slackMessage(notification: Notification): SlackMessage {
  const { analysis, rule } = notification;
  const emoji = EMOJI[notification.verdict] ?? (notification.source === 'adapter-failed' ? ':warning:' : ':bell:');
  const fields: string[] = [];
  if (analysis !== null) {
    fields.push(`*Analysis*\n\`${slackEscape(analysis.id)}\``, `*Template*\n${slackEscape(analysis.template)}`);
    fields.push(`*Service*\n${slackEscape(analysis.service)} ${slackEscape(analysis.version)}`, `*Environment*\n${slackEscape(analysis.environment)}`);
  }
  fields.push(`*Verdict*\n${slackEscape(notification.verdict)}`, `*Rule*\n${rule === null ? '—' : `${slackEscape(rule.id)} (${slackEscape(rule.group)})`}`);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `${emoji} *${slackEscape(notification.title)}*` } },
    { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn', text: field })) },
  ];
  if (notification.reason !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Reason*\n${slackEscape(notification.reason)}`) } });
  const context = [`${slackEscape(notification.at)}`];
  if (notification.evidenceHash !== null) context.push(`evidence \`${slackEscape(notification.evidenceHash.slice(0, 12))}\``);
  if (notification.link !== null) context.push(`<${notification.link}|canary report>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  const reason = notification.reason === '' ? '' : `: ${notification.reason}`;
  return { text: slackEscape(`${notification.title}${reason}`), blocks };
}
