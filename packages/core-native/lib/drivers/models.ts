// The model names of listen() and connect(), and which of them has a driver yet.
import { invalidType, invalidValue } from '../errors.js'

/** The six Winsock I/O models, as listen() and connect() name them. */
export const MODELS = ['select', 'async-select', 'event-select', 'overlapped-event', 'completion-routine', 'iocp'] as const
export type Model = (typeof MODELS)[number]

/** The models with a driver today; the others are valid names that reject with ERR_WSM_MODEL_NOT_IMPLEMENTED. */
export const IMPLEMENTED_MODELS = ['select', 'async-select', 'event-select', 'overlapped-event', 'completion-routine', 'iocp'] as const satisfies readonly Model[]
export type ImplementedModel = (typeof IMPLEMENTED_MODELS)[number]

/** A valid model name whose driver does not exist yet (temporary: issue 11 adds the other five). */
export class ModelNotImplementedError extends Error {
  readonly code = 'ERR_WSM_MODEL_NOT_IMPLEMENTED'
  readonly model: Model

  constructor(model: Model) {
    super(`The "${model}" model has no driver yet; implemented: ${IMPLEMENTED_MODELS.join(', ')}`)
    this.name = 'ModelNotImplementedError'
    this.model = model
  }
}

/** The model an options object asks for ('iocp' when omitted). */
export function checkModel(model: unknown): ImplementedModel {
  if (model === undefined) return 'iocp'
  if (typeof model !== 'string') throw invalidType('options.model', 'a string', model)
  if (!(MODELS as readonly string[]).includes(model)) {
    throw invalidValue('options.model', `one of ${MODELS.map((m) => `'${m}'`).join(', ')}`, model)
  }
  if (!(IMPLEMENTED_MODELS as readonly string[]).includes(model)) throw new ModelNotImplementedError(model as Model)
  return model as ImplementedModel
}
