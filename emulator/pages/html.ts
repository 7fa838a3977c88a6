/** Escapes text for HTML element content and attribute values. */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}button,input,select{font:inherit;padding:.45rem .7rem;margin:.2rem}
.users button{display:block;width:100%;text-align:left}.muted{color:#555}.err{color:#a4262c}
.keys{display:grid;grid-template-columns:repeat(3,4rem);gap:.3rem}.keys button{height:3rem}
.state{font-size:1.2rem;font-weight:600}fieldset{border:1px solid #ccc;margin:1rem 0}
</style></head><body>${body}${script ? `<script>${script}</script>` : ""}</body></html>`;
}
