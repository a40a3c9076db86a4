// Exit codes of the one-shot commands (architecture §6, a contract): 0 promote · 1 abort ·
// 2 invalid input (usage, template, config) · 3 hold or undecided · 4 runtime failure.

export const EXIT = { promote: 0, abort: 1, invalid: 2, hold: 3, runtime: 4 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
