import { useEffect, useRef } from 'react';

/**
 * Edits within one frame are one edit (a drag's moves, a paste's changes). Every millisecond here is
 * added to each image's wait, and a run an edit makes stale is cancelled at its next step anyway: 40 ms
 * here was an eighth of the 300 ms an edit's image may take.
 */
const SETTLE_MS = 16;

interface LiveRedraw {
  /** Live mode is on and the next run can be made. */
  readonly enabled: boolean;
  /** What a run takes (its settings and the canvas document): a change is an edit. */
  readonly edit: readonly unknown[];
  /** A run is going (live or not): live mode waits for one the person started, never cancels it. */
  readonly running: boolean;
  /** Starts a live run of what the studio shows now; resolves when it ends, finished or cancelled. */
  readonly redraw: () => Promise<unknown>;
  readonly cancel: () => void;
}

/**
 * Live mode (as Krita AI Diffusion's): every edit redraws. An edit during a
 * live run cancels it (it stops within a step) and the newest state runs
 * next; edits in between are skipped, so the image always catches up with
 * the last one. Only live runs are cancelled.
 */
export function useLiveRedraw({ enabled, edit, running, redraw, cancel }: LiveRedraw): void {
  const latest = useRef(redraw);
  useEffect(() => {
    latest.current = redraw;
  });
  /** A live run is going; an edit came since it started; an edit came during a run the person started. */
  const state = useRef({ running: false, stale: false, waiting: false });

  const start = () => {
    const live = state.current;
    if (live.running) {
      live.stale = true;
      cancel();
      return;
    }
    const run = async (): Promise<void> => {
      live.running = true;
      live.stale = false;
      try {
        await latest.current();
      } finally {
        live.running = false;
      }
      if (live.stale) await run();
    };
    void run();
  };

  useEffect(() => {
    if (!enabled) return;
    const timer = setTimeout(() => {
      // A run going that is not live is the person's own.
      if (running && !state.current.running) state.current.waiting = true;
      else start();
    }, SETTLE_MS);
    return () => clearTimeout(timer);
    // The edit's parts are what a run takes; a change in any of them is an edit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, ...edit]);

  // Edits made while the person's own run went are drawn when it ends.
  useEffect(() => {
    if (running || !enabled || !state.current.waiting) return;
    state.current.waiting = false;
    start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [running, enabled]);
}
