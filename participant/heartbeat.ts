/**
 * The participant's heartbeats: a timer that tells the coordinator, every interval, that the node
 * is alive — unless a long poll or a push already did so within the interval (each refreshes its
 * liveness there too), or the last heartbeat is still unanswered. During rounds the node's own
 * traffic carries its liveness, which spares the coordinator one signed message per node and
 * interval (100 per second at n = 100 with the default 1 s); and a coordinator that is slow to
 * answer never faces a growing pile of them.
 */

/** One heartbeat call: resolves with whether the coordinator still knows the session. */
export type SendHeartbeat = () => Promise<{ known: boolean }>;

export class Heartbeats {
  private timer?: NodeJS.Timeout;
  private lastSentMs = 0;
  private inFlight = false;

  /** Records that a request which refreshes liveness (PullTask, PushResult) was sent now. */
  noteSent(nowMs: number): void {
    this.lastSentMs = nowMs;
  }

  /**
   * (Re)starts the timer: every `intervalMs`, sends a heartbeat when due; `onUnknown` runs when
   * the coordinator answers that it no longer knows the session.
   */
  start(intervalMs: number, send: SendHeartbeat, onUnknown: () => void, now: () => number = Date.now): void {
    this.stop();
    this.timer = setInterval(() => {
      if (now() - this.lastSentMs < intervalMs || this.inFlight) return;
      this.inFlight = true;
      send()
        .then((h) => {
          if (!h.known) onUnknown();
        })
        .catch(() => undefined)
        .finally(() => {
          this.inFlight = false;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
