/** commsNotification / commsNotifications envelope (emulator/CONTRACT.md#notifications-envelope). */
export type ChangeType = "created" | "updated" | "deleted";

export interface CommsNotification {
  "@odata.type": "#microsoft.graph.commsNotification";
  changeType: ChangeType;
  resourceUrl: string;
  resource: string;
  callbackUri: string;
  /** Absent on some notifications (content sharing on answered calls). */
  resourceData?: Record<string, unknown> | Array<Record<string, unknown>>;
}

export interface CommsNotifications {
  "@odata.type": "#microsoft.graph.commsNotifications";
  value: CommsNotification[];
}

export function notification(
  changeType: ChangeType,
  resourceUrl: string,
  callbackUri: string,
  resourceData: CommsNotification["resourceData"],
): CommsNotification {
  const item: CommsNotification = {
    "@odata.type": "#microsoft.graph.commsNotification",
    changeType,
    resourceUrl,
    // Legacy duplicate of resourceUrl that real payloads still carry.
    resource: resourceUrl.replace(/^\/communications\/calls/, "/app/calls"),
    callbackUri,
  };
  if (resourceData !== undefined) item.resourceData = resourceData;
  return item;
}

export function envelope(value: CommsNotification[]): CommsNotifications {
  return { "@odata.type": "#microsoft.graph.commsNotifications", value };
}
