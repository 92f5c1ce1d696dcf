/** A request the service refuses as written; `field` is the request field at fault (proto name). */
export class InvalidEscalationRequest extends Error {
  override readonly name = 'InvalidEscalationRequest';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
