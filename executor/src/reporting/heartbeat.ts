export interface HeartbeatOptions {
  /** resolves false when the attempt is no longer running (fenced out or ended elsewhere) */
  beat(): Promise<boolean>;
  intervalMs: number;
  onSuperseded(): void;
  onError(error: unknown): void;
}

/** Beat every interval while the run goes; a missed beat (Postgres away) is only logged, the next one tries again. */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    options
      .beat()
      .then((alive) => {
        if (!alive) options.onSuperseded();
      }, options.onError)
      .finally(() => {
        beating = false;
      });
  }, options.intervalMs);
  return () => clearInterval(timer);
}
