/** A checkpoint the converter cannot use; the message names the file and the problem. */
export class ConvertError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ConvertError';
  }
}
