/**
 * The kinds of backend, named once: `onnx` (a model file run in-process), `upstream` (another
 * inference server), `rules` (a rules document), `sim` (the simulator's stand-in, never configured).
 */
export const BACKEND_KINDS = ['onnx', 'upstream', 'rules', 'sim'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** What a model version's config may name as its `backend`. */
export type ConfiguredBackendKind = Exclude<BackendKind, 'sim'>;
export const CONFIGURED_BACKEND_KINDS: readonly ConfiguredBackendKind[] = BACKEND_KINDS.filter((k): k is ConfiguredBackendKind => k !== 'sim');
