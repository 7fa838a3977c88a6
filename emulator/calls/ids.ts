/** Every dashed GUID in `text` as Graph's other spelling of it: 32 uppercase hex digits. */
export function hexIds(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (guid) =>
    guid.replace(/-/g, "").toUpperCase(),
  );
}

/** Graph shows the same id dashed-lowercase and as 32-char uppercase hex; accept both. */
export function normaliseId(id: string): string {
  const hex = id.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return id.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toneName(key: string): string {
  if (/^\d$/.test(key)) return `tone${key}`;
  if (key === "*") return "star";
  if (key === "#") return "pound";
  return key.toLowerCase();
}
