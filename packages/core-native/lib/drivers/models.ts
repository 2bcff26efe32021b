// The model names of listen() and connect().
import { invalidType, invalidValue } from '../errors.js'

/** The six Winsock I/O models, as listen() and connect() name them. */
export const MODELS = ['select', 'async-select', 'event-select', 'overlapped-event', 'completion-routine', 'iocp'] as const
export type Model = (typeof MODELS)[number]

/** The model an options object asks for ('iocp' when omitted). */
export function checkModel(model: unknown): Model {
  if (model === undefined) return 'iocp'
  if (typeof model !== 'string') throw invalidType('options.model', 'a string', model)
  if (!(MODELS as readonly string[]).includes(model)) {
    throw invalidValue('options.model', `one of ${MODELS.map((m) => `'${m}'`).join(', ')}`, model)
  }
  return model as Model
}
