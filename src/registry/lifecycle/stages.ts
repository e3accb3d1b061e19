/**
 * A model version's lifecycle as named stages. Only these moves exist:
 *
 *   draft ──stage──▶ staged ──approve──▶ approved ──promote──▶ production
 *     │                │ ◀──withdraw──┘    ▲  │                   │
 *     └──retire──▶ retired ◀──retire───────┼──┘◀──────retire──────┘
 *                                          └──── replaced (another version promoted)
 *
 * `retired` is final. Approval also passes the gates (gates.ts).
 */
export const STAGES = ['draft', 'staged', 'approved', 'production', 'retired'] as const;
export type Stage = (typeof STAGES)[number];

/** draft: pushed, not yet offered for review; staged: under review (approvals and evaluations
 * accrue); approved: passed the gates, may go to production; production: serving as the
 * model's production version (one per model); retired: withdrawn for good. */
export const TRANSITIONS: Readonly<Record<Stage, readonly Stage[]>> = {
  draft: ['staged', 'retired'],
  staged: ['draft', 'approved', 'retired'],
  approved: ['staged', 'production', 'retired'],
  production: ['approved', 'retired'],
  retired: [],
};

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export function canTransition(from: Stage, to: Stage): boolean {
  return TRANSITIONS[from].includes(to);
}
