/**
 * The gates a version passes to become `approved`: enough approvals by role from keys other
 * than the one that pushed it, and every evaluation threshold met. Pure: the caller brings the
 * approvals and evaluations it stored, and gets back every unmet condition by name.
 */
export interface RoleRequirement {
  readonly role: string;
  /** Distinct approving keys with this role. */
  readonly count: number;
}

export interface EvaluationThreshold {
  readonly metric: string;
  readonly dataset: string;
  readonly op: '>=' | '<=' | '>' | '<';
  readonly value: number;
}

export interface ApprovalPolicy {
  /** @default [{ role: 'approver', count: 1 }] */
  readonly approvals: readonly RoleRequirement[];
  /** @default [] */
  readonly thresholds: readonly EvaluationThreshold[];
}

export interface ApprovalRecord {
  readonly keyId: string;
  readonly role: string;
}

export interface EvaluationRecord {
  readonly dataset: string;
  readonly metrics: Readonly<Record<string, number>>;
}

function meets(value: number, threshold: EvaluationThreshold): boolean {
  switch (threshold.op) {
    case '>=': return value >= threshold.value;
    case '<=': return value <= threshold.value;
    case '>': return value > threshold.value;
    case '<': return value < threshold.value;
  }
}

/** Unmet conditions; empty means the gate opens. */
export function unmetGates(policy: ApprovalPolicy, creatorKeyId: string, approvals: readonly ApprovalRecord[], evaluations: readonly EvaluationRecord[]): string[] {
  const unmet: string[] = [];
  for (const requirement of policy.approvals) {
    // Self-approvals never count, even if one was stored before a policy change.
    const keys = new Set(approvals.filter((a) => a.role === requirement.role && a.keyId !== creatorKeyId).map((a) => a.keyId));
    if (keys.size < requirement.count) unmet.push(`needs ${requirement.count} approval(s) by role '${requirement.role}' from keys other than the pusher, has ${keys.size}`);
  }
  for (const threshold of policy.thresholds) {
    // The latest evaluation on the dataset decides.
    const latest = evaluations.filter((e) => e.dataset === threshold.dataset && threshold.metric in e.metrics).at(-1);
    const value = latest?.metrics[threshold.metric];
    if (value === undefined) unmet.push(`needs an evaluation of '${threshold.metric}' on dataset '${threshold.dataset}' (${threshold.op} ${threshold.value})`);
    else if (!meets(value, threshold)) unmet.push(`'${threshold.metric}' on '${threshold.dataset}' is ${value}, needs ${threshold.op} ${threshold.value}`);
  }
  return unmet;
}
