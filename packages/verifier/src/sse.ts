// A Server-Sent Events parser (WHATWG HTML, "Event stream interpretation"): lines end in LF,
// CRLF or CR (a CR at the end of one chunk and an LF at the start of the next are one line
// end); "field: value" lines build an event that a blank line dispatches; lines starting with
// ":" are comments. A line longer than `maxLine` is a misbehaving server: parsing stops with
// an error, so that one stream cannot make us buffer without bound.

export interface SseEvent {
  event: string;
  data: string;
  /** The last id seen on the stream so far (ids persist across events, per the standard). */
  id?: string;
}

export class SseParser {
  private line = '';
  private afterCr = false;
  private event = '';
  private data: string[] = [];
  private lastId?: string;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    /** Any line at all, comments included: proof that the server is there. */
    private readonly onLine: (isComment: boolean) => void = () => {},
    private readonly maxLine = 65_536,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 && this.afterCr) {
        // The LF of a CRLF (the CR, maybe at the end of the last chunk, ended the line).
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      this.afterCr = false;
      if (c !== 10 && c !== 13) continue;
      this.take(chunk.slice(start, i));
      this.endLine();
      this.afterCr = c === 13;
      start = i + 1;
    }
    this.take(chunk.slice(start));
  }

  private take(text: string): void {
    if (text === '') return;
    this.line += text;
    if (this.line.length > this.maxLine) throw new Error(`event stream line longer than ${this.maxLine} characters`);
  }

  private endLine(): void {
    const line = this.line;
    this.line = '';
    if (line === '') {
      this.dispatch();
      return;
    }
    this.onLine(line.startsWith(':'));
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) this.lastId = value;
    // "retry" and unknown fields: ignored (the client keeps its own reconnection policy).
  }

  private dispatch(): void {
    const hasData = this.data.length > 0;
    const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.lastId };
    this.event = '';
    this.data = [];
    if (hasData) this.onEvent(event);
  }
}
