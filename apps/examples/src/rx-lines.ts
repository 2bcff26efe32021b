// lines(): the UTF-8 lines of a connection's chunks, for the rx chat server and its bot.
import { StringDecoder } from 'node:string_decoder'
import { Observable } from 'rxjs'

/** The UTF-8 lines of a stream of chunks (a line may span chunks; a last one without '\n' counts). */
export function lines() {
  return (chunks: Observable<Buffer>) =>
    new Observable<string>((subscriber) => {
      const decoder = new StringDecoder('utf8')
      let rest = ''
      return chunks.subscribe({
        next: (chunk) => {
          const parts = (rest + decoder.write(chunk)).split('\n')
          rest = parts.pop()!
          for (const line of parts) subscriber.next(line)
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          rest += decoder.end()
          if (rest !== '') subscriber.next(rest)
          subscriber.complete()
        },
      })
    })
}
