import type { SearchEvent } from '../../core/search/events';

/**
 * The one-line progress of a running search ("turn 3 · cropping observation_2…"), from its
 * events. Counts crops to name the next observation, and reads the streamed text of the turn
 * to tell thinking, cropping and answering apart.
 */
export class SearchProgressText {
  private turn = 0;
  private crops = 0;
  private text = '';
  private finished: string | null = null;
  private started = false;
  /** The observation this turn's call produced (null until its crop is made). */
  private croppedThisTurn: number | null = null;

  constructor(initialCrops = 0) {
    this.crops = initialCrops;
  }

  /** Feeds an event; returns the new line when it changed, else null. */
  update(event: SearchEvent): string | null {
    const before = this.current;
    switch (event.type) {
      case 'turnStarted':
        this.started = true;
        this.turn = event.turn;
        this.text = '';
        this.croppedThisTurn = null;
        break;
      case 'textDelta':
        this.text += event.delta;
        break;
      case 'turnRestarted':
        this.text = '';
        break;
      case 'cropMade':
        this.crops = event.observationIndex;
        this.croppedThisTurn = event.observationIndex;
        break;
      case 'turnFinished':
        break;
      case 'trajectoryFinished':
        this.finished = event.trajectory.outcome?.status ?? 'finished';
        break;
    }
    const after = this.current;
    return after === before ? null : after;
  }

  get current(): string {
    if (this.finished !== null) return `${this.finished} after ${this.turn + 1} turns`;
    if (!this.started) return 'starting…';
    if (this.croppedThisTurn !== null) return `turn ${this.turn + 1} · cropped observation_${this.croppedThisTurn}`;
    const doing = this.text.includes('<answer>') ? 'answering…'
      : this.text.includes('<grounding>') ? `cropping observation_${this.crops + 1}…`
        : this.text === '' ? 'waiting for the model…' : 'thinking…';
    return `turn ${this.turn + 1} · ${doing}`;
  }
}
