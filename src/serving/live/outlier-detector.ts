/**
 * Outlier detection in the manner of Envoy's: a replica whose batches fail `consecutiveErrors`
 * times in a row (or once, for a lost connection) is ejected for base × (its ejection count),
 * capped at max. A replica that stays healthy for a base period earns one ejection back, so an
 * old incident does not lengthen the next ejection forever. Pure over the `now` passed in.
 */
export interface OutlierSettings {
  readonly consecutiveErrors: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

interface Track {
  consecutive: number;
  ejections: number;
  ejectedUntilMs: number;
  /** Since when the ejection count has been decaying. */
  calmSinceMs: number;
}

export interface Ejection {
  readonly untilMs: number;
  readonly count: number;
}

export class OutlierDetector {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly settings: OutlierSettings) {}

  private track(id: string, nowMs: number): Track {
    let track = this.tracks.get(id);
    if (!track) this.tracks.set(id, (track = { consecutive: 0, ejections: 0, ejectedUntilMs: 0, calmSinceMs: nowMs }));
    return track;
  }

  isEjected(id: string, nowMs: number): boolean {
    return (this.tracks.get(id)?.ejectedUntilMs ?? 0) > nowMs;
  }

  success(id: string, nowMs: number): void {
    const track = this.track(id, nowMs);
    track.consecutive = 0;
    this.decay(track, nowMs);
  }

  /** Records a failed batch; returns the ejection it causes, if any. `fatal` (a lost connection) ejects at once. */
  failure(id: string, nowMs: number, fatal = false): Ejection | undefined {
    const track = this.track(id, nowMs);
    if (track.ejectedUntilMs > nowMs) return undefined;
    this.decay(track, nowMs);
    track.consecutive++;
    if (!fatal && track.consecutive < this.settings.consecutiveErrors) return undefined;
    track.consecutive = 0;
    track.ejections++;
    const duration = Math.min(this.settings.baseMs * track.ejections, this.settings.maxMs);
    track.ejectedUntilMs = nowMs + duration;
    track.calmSinceMs = track.ejectedUntilMs;
    return { untilMs: track.ejectedUntilMs, count: track.ejections };
  }

  /**
   * Ends an ejection early: the replica's node passed an active health check (Envoy's
   * successful_active_health_check_uneject_host). The ejection count stays, so a replica that
   * fails again is ejected for longer.
   */
  uneject(id: string, nowMs: number): void {
    const track = this.tracks.get(id);
    if (!track || track.ejectedUntilMs <= nowMs) return;
    track.ejectedUntilMs = nowMs;
    track.calmSinceMs = nowMs;
    track.consecutive = 0;
  }

  ejectionCount(id: string): number {
    return this.tracks.get(id)?.ejections ?? 0;
  }

  forget(id: string): void {
    this.tracks.delete(id);
  }

  private decay(track: Track, nowMs: number): void {
    if (track.ejections === 0 || nowMs < track.calmSinceMs) return;
    const periods = Math.floor((nowMs - track.calmSinceMs) / this.settings.baseMs);
    if (periods <= 0) return;
    track.ejections = Math.max(0, track.ejections - periods);
    track.calmSinceMs += periods * this.settings.baseMs;
  }
}
