// The Graph gateway with explicit configuration: meeting and call functions bound to a client and a
// token source. lib/graph/index.ts wires it to the environment; a user's tokens come from the store the
// caller hands in; tests wire it to the emulator.
import "server-only";
import { listMeetingAttendance } from "./attendance";
import * as calendar from "./calendar";
import * as callMedia from "./call-media";
import * as calls from "./calls";
import { createGraphClient, type GraphClient } from "./client";
import { sendMail, type OutgoingMail } from "./mail";
import * as meetings from "./meetings";
import type { Clock, RetryPolicy } from "./retry";
import {
  AppTokenSource,
  DelegatedTokenSource,
  msalRefresher,
  type DelegatedTokenStore,
  type EntraCredentials,
  type TokenSource,
} from "./tokens";

export interface GraphConfig extends EntraCredentials {
  /** GRAPH_BASE_URL without the version. */
  graphBaseUrl: string;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

export type MeetingsApi = ReturnType<typeof bindMeetings>;
export type CallsApi = ReturnType<typeof bindCalls>;
export type CalendarApi = ReturnType<typeof bindCalendar>;
export type SubscriptionsApi = ReturnType<typeof bindSubscriptions>;

export interface AppGraph {
  client: GraphClient;
  /** Acquires the application token ahead of need (an incoming call must be answered within 15 s). */
  warmUp(): Promise<void>;
  /** Meetings organised by `userId`, created with the application's permission (+ access policy). */
  meetingsFor(userId: string): MeetingsApi;
  calls: CallsApi;
  /** Mail sent as a mailbox (Mail.Send, limited to the clinic's mailbox by an application access policy). */
  mail: MailApi;
  /** A clinician's Outlook calendar (/users/{id}/events, calendarView delta): Calendars.ReadWrite. */
  calendarFor(userId: string): CalendarApi;
  /** Change-notification subscriptions on mailboxes' events. */
  subscriptions: SubscriptionsApi;
}

interface MailApi {
  send(mailbox: string, mail: OutgoingMail): Promise<void>;
}

export interface UserGraph {
  client: GraphClient;
  /** The signed-in user's own meetings (/me), with their delegated token. */
  meetings: MeetingsApi;
}

export function bindMeetings(client: GraphClient, owner: meetings.MeetingOwner, graphBaseUrl?: string) {
  return {
    createOrGet: (input: meetings.CreateMeetingInput) => meetings.createOrGetMeeting(client, owner, input),
    get: (meetingId: string) => meetings.getMeeting(client, owner, meetingId),
    findByJoinUrl: (joinWebUrl: string) => meetings.findMeetingByJoinUrl(client, owner, joinWebUrl),
    updateTimes: (meetingId: string, start: Date, end: Date) =>
      meetings.updateMeetingTimes(client, owner, meetingId, start, end),
    delete: (meetingId: string) => meetings.deleteMeeting(client, owner, meetingId),
    /** the meeting's attendance reports with their records (OnlineMeetingArtifact.Read.All) */
    attendance: (meetingId: string) => listMeetingAttendance(client, owner, meetingId, graphBaseUrl),
  };
}

function bindCalendar(client: GraphClient, userId: string, graphBaseUrl: string) {
  return {
    findVisitEvent: (appointmentId: string) => calendar.findVisitEvent(client, userId, appointmentId),
    createVisitEvent: (input: calendar.VisitEventInput) => calendar.createVisitEvent(client, userId, input),
    updateVisitEvent: (eventId: string, input: Parameters<typeof calendar.updateVisitEvent>[3]) =>
      calendar.updateVisitEvent(client, userId, eventId, input),
    deleteEvent: (eventId: string) => calendar.deleteEvent(client, userId, eventId),
    /** the first page of a full round over [start, end) */
    deltaStart: (start: Date, end: Date, pageSize: number) =>
      calendar.calendarDelta(client, { userId, start, end }, { graphBaseUrl, pageSize }),
    /** the next page: a nextLink, or the deltaLink of the previous round */
    deltaFollow: (link: string, pageSize: number) =>
      calendar.calendarDelta(client, { link }, { graphBaseUrl, pageSize }),
  };
}

function bindSubscriptions(client: GraphClient) {
  return {
    createForEvents: (input: calendar.SubscriptionInput) => calendar.createEventSubscription(client, input),
    renew: (subscriptionId: string, expiration: Date) => calendar.renewSubscription(client, subscriptionId, expiration),
    delete: (subscriptionId: string) => calendar.deleteSubscription(client, subscriptionId),
  };
}

type Bound<F> = F extends (client: GraphClient, ...rest: infer A) => infer R ? (...args: A) => R : never;

function bindCalls(client: GraphClient) {
  const bind = <F extends (client: GraphClient, ...rest: never[]) => unknown>(fn: F): Bound<F> =>
    ((...args: never[]) => fn(client, ...args)) as Bound<F>;
  return {
    create: bind(calls.createCall),
    get: bind(calls.getCall),
    hangUp: bind(calls.hangUp),
    answer: bind(calls.answer),
    reject: bind(calls.reject),
    redirect: bind(calls.redirect),
    playPrompt: bind(callMedia.playPrompt),
    recordResponse: bind(callMedia.recordResponse),
    subscribeToTone: bind(callMedia.subscribeToTone),
    cancelMediaProcessing: bind(callMedia.cancelMediaProcessing),
    transfer: bind(calls.transfer),
    keepAlive: bind(calls.keepAlive),
    listParticipants: bind(calls.listParticipants),
    invite: bind(calls.invite),
    muteParticipant: bind(calls.muteParticipant),
    removeParticipant: bind(calls.removeParticipant),
  };
}

function clientFor(config: GraphConfig, tokenSource: TokenSource): GraphClient {
  return createGraphClient({
    baseUrl: config.graphBaseUrl,
    tokenSource,
    fetch: config.fetch,
    retry: config.retry,
    clock: config.clock,
  });
}

/** Keep the result: its token source holds MSAL's application-token cache. */
export function createAppGraph(config: GraphConfig, tokenSource: TokenSource = new AppTokenSource(config)): AppGraph {
  const client = clientFor(config, tokenSource);
  return {
    client,
    warmUp: async () => {
      await tokenSource.getToken();
    },
    meetingsFor: (userId) => bindMeetings(client, { kind: "user", userId }, config.graphBaseUrl),
    calls: bindCalls(client),
    mail: { send: (mailbox, mail) => sendMail(client, mailbox, mail) },
    calendarFor: (userId) => bindCalendar(client, userId, config.graphBaseUrl),
    subscriptions: bindSubscriptions(client),
  };
}

export function createUserGraph(config: GraphConfig, store: DelegatedTokenStore, userId: string): UserGraph {
  const tokenSource = new DelegatedTokenSource(userId, {
    store,
    refresh: msalRefresher(config),
    now: config.clock ? () => config.clock!.now() : undefined,
  });
  const client = clientFor(config, tokenSource);
  return { client, meetings: bindMeetings(client, { kind: "me" }, config.graphBaseUrl) };
}
