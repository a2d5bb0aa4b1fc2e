/**
 * In-memory input history for `history_request` (tail, range and search, as ipykernel answers
 * them). It lives as long as the kernel process: unlike IPython there is no database, so a
 * restarted kernel starts a fresh history.
 */

/** This process's only history session (ipykernel numbers sessions from 1; 0 means "current"). */
export const SESSION = 1;

interface Entry {
  line: number;
  input: string;
  /** The text/plain form of the cell's result, if it had one. */
  output: string | null;
}

export interface HistoryRequest {
  hist_access_type?: string;
  output?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

type Row = [number, number, string | [string, string | null]];

/** A shell glob (`*`, `?`) as an anchored regular expression, like SQLite's GLOB that IPython uses. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}

function lastN<T>(items: T[], n: number | null | undefined): T[] {
  return n === null || n === undefined ? items : items.slice(Math.max(0, items.length - n));
}

export class History {
  private readonly entries: Entry[] = [];

  add(line: number, input: string, output: string | null): void {
    this.entries.push({ line, input, output });
  }

  /** The rows of a `history_reply` for `req`. */
  query(req: HistoryRequest): Row[] {
    let picked: Entry[];
    switch (req.hist_access_type) {
      case "tail":
        picked = lastN(this.entries, req.n);
        break;
      case "range": {
        const inSession = req.session === undefined || req.session === 0 || req.session === SESSION;
        const start = req.start ?? 0;
        const stop = req.stop ?? Number.POSITIVE_INFINITY;
        picked = inSession ? this.entries.filter((e) => e.line >= start && e.line < stop) : [];
        break;
      }
      case "search": {
        const re = globToRegExp(req.pattern ?? "*");
        let matches = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          // Keep the latest occurrence of each distinct input, in history order.
          const latest = new Map(matches.map((e) => [e.input, e] as const));
          matches = matches.filter((e) => latest.get(e.input) === e);
        }
        picked = lastN(matches, req.n);
        break;
      }
      default:
        picked = [];
    }
    return picked.map((e) => [SESSION, e.line, req.output ? [e.input, e.output] : e.input]);
  }
}
