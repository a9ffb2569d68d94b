// Errors that the HTTP layer turns into `{"error": "..."}` with the right status.
// `expose` tells the error handler that the message is meant for the client.

export class HttpError extends Error {
  readonly expose = true
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export const badRequest = (message: string) => new HttpError(400, message)
export const forbidden = (message: string) => new HttpError(403, message)
export const notFound = (message: string) => new HttpError(404, message)
export const conflict = (message: string) => new HttpError(409, message)

/**
 * Thrown by the starters in steps/ where the learner has work to do. Its message names the step and the
 * TODO, and it reaches the failing test as a 501 `{"error": "step-04 TODO(2): ..."}`.
 */
export class NotImplemented extends HttpError {
  constructor(message: string) {
    super(501, message)
    this.name = 'NotImplemented'
  }
}

// The starters throw `new NotImplemented(...)` without importing it: a finished exercise then leaves no unused
// import behind, and `npm run diff` shows only the lesson. Every app loads this file (lib/http.ts imports it).
type NotImplementedClass = typeof NotImplemented
declare global {
  // eslint-disable-next-line no-var
  var NotImplemented: NotImplementedClass
}
globalThis.NotImplemented = NotImplemented
