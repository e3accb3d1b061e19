/** Where work runs, as residency policies and the router name it. */
export type Tier = 'edge' | 'onprem' | 'cloud';
export const TIERS: readonly Tier[] = ['edge', 'onprem', 'cloud'];
