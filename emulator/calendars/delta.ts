import crypto from "node:crypto";

// State tokens of calendarView delta rounds (emulator/CONTRACT.md#calendar-delta). A token is an opaque key
// into state kept here: a skip token holds the rest of a round's pages, a delta token the change number
// the next round starts after. Outlook keeps tokens in a cache of limited size and drops the oldest; so
// does this, per mailbox. A dropped or unknown token is answered 410 Gone (syncStateNotFound).

export interface DeltaWindow {
  start: number;
  end: number;
}

interface Common {
  mailboxId: string;
  window: DeltaWindow;
  /** the round's first request, without a token: the Location of a 410 */
  initialUrl: string;
  issuedAt: number;
}

interface SkipState extends Common {
  kind: "skip";
  items: Record<string, unknown>[];
  offset: number;
  pageSize: number;
  roundSeq: number;
}

interface DeltaState extends Common {
  kind: "delta";
  since: number;
}

export type TokenState = SkipState | DeltaState;

export class DeltaTokens {
  private readonly tokens = new Map<string, TokenState>();
  /** tokens that were dropped, with the round's first URL (what a 410's Location header carries) */
  private readonly expired = new Map<string, string>();

  constructor(private readonly capacityPerMailbox = 64) {}

  reset(): void {
    this.tokens.clear();
    this.expired.clear();
  }

  issue(state: TokenState): string {
    const token = crypto.randomBytes(24).toString("base64url");
    this.tokens.set(token, state);
    this.evict(state.mailboxId);
    return token;
  }

  lookup(token: string): { state: TokenState } | { expiredUrl: string | undefined } {
    const state = this.tokens.get(token);
    if (state) return { state };
    return { expiredUrl: this.expired.get(token) };
  }

  /** Drops every token of a mailbox, as a full cache or a mailbox move would (control API). */
  expireMailbox(mailboxId: string): number {
    let count = 0;
    for (const [token, state] of this.tokens) {
      if (state.mailboxId !== mailboxId) continue;
      this.drop(token, state);
      count++;
    }
    return count;
  }

  private evict(mailboxId: string): void {
    const mine = [...this.tokens.entries()].filter(([, s]) => s.mailboxId === mailboxId);
    for (const [token, state] of mine.slice(0, Math.max(0, mine.length - this.capacityPerMailbox)))
      this.drop(token, state);
  }

  private drop(token: string, state: TokenState): void {
    this.tokens.delete(token);
    this.expired.set(token, state.initialUrl);
    if (this.expired.size > 10_000) this.expired.delete(this.expired.keys().next().value!);
  }
}
