/** An edit that cannot be applied (bad index, bad box, unknown source...): the message says why, for the user. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}
