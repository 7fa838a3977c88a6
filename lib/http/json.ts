// What a value becomes on its way through JSON.stringify and JSON.parse: a Date arrives as its ISO string.
// The browser's type of a route's reply is derived from the server's with it, so the two cannot drift apart.
export type Serialized<T> = T extends Date
  ? string
  : T extends (infer Item)[]
    ? Serialized<Item>[]
    : T extends object
      ? { [Key in keyof T]: Serialized<T[Key]> }
      : T;
