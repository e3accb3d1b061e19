/** JSON shapes of registry records in responses (snake_case, like the rest of the API). */
import type { DeploymentRow, EvaluationRow, ApprovalRow, ModelRow, ModelVersionRow } from '../../registry/storage/rows.js';
import type { VersionDetail } from '../../registry/service/registry-service.js';

export function versionSummary(v: ModelVersionRow) {
  return { model: v.model, version: v.version, state: v.state, digest: v.digest, breaking: v.breaking, created_by: v.createdBy, created_at: v.createdAt };
}

export function modelView(model: ModelRow, versions: readonly ModelVersionRow[]) {
  return { name: model.name, description: model.description, created_by: model.createdBy, created_at: model.createdAt, versions: versions.map(versionSummary) };
}

export function evaluationView(e: EvaluationRow) {
  return { id: e.id, dataset: e.dataset, metrics: e.metrics, created_by: e.createdBy, created_at: e.createdAt };
}

export function approvalView(a: ApprovalRow) {
  return { id: a.id, approver: a.approverKeyId, role: a.role, decision: a.decision, comment: a.comment, at: a.at };
}

export function deploymentView(d: DeploymentRow) {
  return { id: d.id, version: d.version, from: d.fromState, to: d.toState, by: d.by, at: d.at, reason: d.reason };
}

export function versionView(detail: VersionDetail) {
  const v = detail.version;
  const l = v.lineage;
  return {
    ...versionSummary(v),
    manifest: v.manifest,
    contract: v.contract,
    lineage: {
      training_data_digest: l.trainingDataDigest ?? null,
      training_data_location: l.trainingDataLocation ?? null,
      parent_version: l.parentVersion ?? null,
      code_revision: l.codeRevision ?? null,
      hyperparameters: l.hyperparameters ?? null,
    },
    card: v.modelCard,
    evaluations: detail.evaluations.map(evaluationView),
    approvals: detail.approvals.map(approvalView),
    unmet_gates: detail.unmetGates,
  };
}
