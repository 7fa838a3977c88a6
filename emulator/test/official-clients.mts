// Runs in a child process started with NODE_EXTRA_CA_CERTS=<emulator CA>, exactly like the app would.
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";

const [url, tenantId, clientId, clientSecret, organizerId] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const host = new URL(url).host;
const cca = new ConfidentialClientApplication({
  auth: { clientId, clientSecret, authority: `${url}/${tenantId}`, knownAuthorities: [host] },
});
const first = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
const second = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
const graph = Client.initWithMiddleware({
  baseUrl: url,
  customHosts: new Set([new URL(url).hostname]),
  authProvider: { getAccessToken: async () => first!.accessToken },
});
const meeting = await graph.api(`/users/${organizerId}/onlineMeetings`).post({
  subject: "Consulta via graph-client",
  startDateTime: "2030-05-01T12:00:00Z",
  endDateTime: "2030-05-01T12:30:00Z",
});
const found = await graph
  .api(`/users/${organizerId}/onlineMeetings`)
  .filter(`JoinWebUrl eq '${encodeURIComponent(meeting.joinWebUrl)}'`)
  .get();
let notFound: unknown;
try {
  await graph.api("/communications/calls/6f0e5a3e-0000-4000-8000-000000000000").get();
} catch (err) {
  notFound = { statusCode: (err as { statusCode?: number }).statusCode, code: (err as { code?: string }).code };
}
process.stdout.write(
  JSON.stringify({
    fromCache: second!.fromCache,
    tokenType: first!.tokenType,
    meetingId: meeting.id,
    found: found.value.map((m: { id: string }) => m.id),
    notFound,
  }),
);
